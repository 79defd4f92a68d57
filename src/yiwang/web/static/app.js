/* yiwang shared page helpers: ECharts charts and Leaflet district maps built from data embedded in the page.
 *
 * Markup comes from the macros in _macros.html: an element with data-chart="bar|hbar|pie|line" or
 * data-map="districts" and a <script type="application/json" id="<element id>-data"> holding its rows
 * ([{name, value}], or [{label, values: {key: number}}] for "line" with data-series='{"key": "名称"}'). When ECharts or Leaflet is not
 * installed (or the GeoJSON cannot be loaded) the element says so and the data table underneath is opened, so a
 * page always stays readable. Pages may call window.Yiwang.renderChart / renderDistrictMap themselves.
 */
(function () {
  "use strict";

  var PALETTE = ["#1d4f91", "#b71c1c", "#2f7d32", "#b26a00", "#6a3d9a", "#00838f", "#ad1457", "#5d4037", "#455a64", "#9e9d24"];
  var SCALE = ["#fde0dc", "#f9bdbb", "#f36c60", "#e51c23", "#b0120a"];
  var charts = [];

  function formatNumber(value, digits) {
    if (value === null || value === undefined || isNaN(value)) { return "—"; }
    return Number(value).toLocaleString("zh-CN", { maximumFractionDigits: digits === undefined ? 0 : digits, minimumFractionDigits: digits || 0 });
  }

  function readRows(element) {
    var source = document.getElementById(element.id + "-data");
    if (!source) { return []; }
    try { return JSON.parse(source.textContent || "[]"); } catch (err) { return []; }
  }

  function fallback(element, message) {
    element.innerHTML = "";
    var note = document.createElement("div");
    note.className = "chart-fallback";
    note.textContent = message;
    element.appendChild(note);
    var table = element.parentNode && element.parentNode.querySelector(".chart-table");
    if (table) { table.open = true; }
  }

  /* Rows shaped like SeriesPoint ({label, values: {key: number}}) as one line per key, named by data-series. */
  function seriesOption(rows, unit, names) {
    var suffix = unit ? " " + unit : "";
    var keys = Object.keys(names);
    if (!keys.length) {
      rows.forEach(function (r) { Object.keys(r.values || {}).forEach(function (k) { if (keys.indexOf(k) < 0) { keys.push(k); } }); });
    }
    return {
      color: PALETTE,
      tooltip: { trigger: "axis", valueFormatter: function (v) { return formatNumber(v, 2) + suffix; } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: rows.map(function (r) { return r.label || r.name; }) },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return formatNumber(v); } } },
      series: keys.map(function (k) {
        return { type: "line", name: names[k] || k, connectNulls: true, symbolSize: 6,
          data: rows.map(function (r) { var v = (r.values || {})[k]; return v === undefined ? null : v; }) };
      })
    };
  }

  function chartOption(kind, rows, unit) {
    var suffix = unit ? " " + unit : "";
    var names = rows.map(function (r) { return r.name; });
    var values = rows.map(function (r) { return r.value; });
    var tooltip = { trigger: kind === "pie" ? "item" : "axis", valueFormatter: function (v) { return formatNumber(v) + suffix; } };
    if (kind === "pie") {
      return {
        color: PALETTE, tooltip: tooltip,
        legend: { type: "scroll", orient: "horizontal", bottom: 0, textStyle: { fontSize: 12 } },
        // Small slices keep their tooltip but get no label, so labels never pile up on top of each other.
        series: [{ type: "pie", radius: ["34%", "62%"], center: ["50%", "44%"], avoidLabelOverlap: true,
          minShowLabelAngle: 10, label: { formatter: "{b}\n{d}%", fontSize: 11 },
          data: rows.map(function (r) { return { name: r.name, value: r.value }; }) }]
      };
    }
    if (kind === "hbar") {
      return {
        color: PALETTE, tooltip: tooltip,
        grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", axisLabel: { formatter: function (v) { return formatNumber(v); } } },
        yAxis: { type: "category", data: names.slice().reverse(), axisTick: { show: false } },
        series: [{ type: "bar", data: values.slice().reverse(), barMaxWidth: 18,
          label: { show: true, position: "right", formatter: function (p) { return formatNumber(p.value); } } }]
      };
    }
    return {
      color: PALETTE, tooltip: tooltip,
      grid: { left: 8, right: 8, top: 24, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 8 ? 40 : 0, fontSize: 11 } },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return formatNumber(v); } } },
      series: [{ type: "bar", data: values, barMaxWidth: 28,
        label: { show: names.length <= 12, position: "top", formatter: function (p) { return formatNumber(p.value); } } }]
    };
  }

  function renderChart(element) {
    var rows = readRows(element);
    if (!window.echarts) { fallback(element, "图表组件未加载，请查看下方数据表"); return null; }
    if (!rows.length) { fallback(element, "暂无数据"); return null; }
    var existing = window.echarts.getInstanceByDom(element);
    if (existing) { existing.dispose(); }
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    var kind = element.dataset.chart || "bar";
    var unit = element.dataset.unit || "";
    var names = {};
    try { names = JSON.parse(element.dataset.series || "{}"); } catch (err) { names = {}; }
    chart.setOption(kind === "line" ? seriesOption(rows, unit, names) : chartOption(kind, rows, unit));
    charts.push(chart);
    element.dataset.rendered = "true";
    return chart;
  }

  /* Geodesic area of GeoJSON polygons in km² (spherical excess on the WGS-84 equatorial radius). */
  function ringAreaM2(ring) {
    var rad = Math.PI / 180, radius = 6378137, total = 0, n = ring.length;
    if (n < 3) { return 0; }
    for (var i = 0; i < n; i++) {
      var p1 = ring[i], p2 = ring[(i + 1) % n], p3 = ring[(i + 2) % n];
      total += (p3[0] * rad - p1[0] * rad) * Math.sin(p2[1] * rad);
    }
    return Math.abs(total * radius * radius / 2);
  }
  function polygonAreaM2(polygon) {
    return polygon.reduce(function (sum, ring, index) { return sum + (index === 0 ? 1 : -1) * ringAreaM2(ring); }, 0);
  }
  function featureAreaKm2(feature) {
    var props = feature.properties || {};
    if (props.area_km2) { return Number(props.area_km2); }
    var geometry = feature.geometry || {};
    var polygons = geometry.type === "MultiPolygon" ? geometry.coordinates : geometry.type === "Polygon" ? [geometry.coordinates] : [];
    return polygons.reduce(function (sum, polygon) { return sum + polygonAreaM2(polygon); }, 0) / 1e6;
  }

  /* Class limits at quantiles of the positive values, without repeats (few distinct values give fewer classes). */
  function quantileBreaks(values, classes) {
    var sorted = values.filter(function (v) { return v > 0; }).sort(function (a, b) { return a - b; });
    var breaks = [];
    for (var i = 1; i < classes && sorted.length; i++) {
      var limit = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * i / classes))];
      if (limit > sorted[0] && breaks.indexOf(limit) < 0) { breaks.push(limit); }
    }
    return breaks;
  }

  /* A legend number with as many decimals as its size needs (0.052, 1.3, 250). */
  function formatMetric(value) {
    var size = Math.abs(value);
    return formatNumber(value, size === 0 || size >= 10 ? 0 : size >= 1 ? 1 : Math.min(4, 1 - Math.floor(Math.log10(size))));
  }
  function classOf(value, breaks) {
    var index = 0;
    while (index < breaks.length && value >= breaks[index]) { index++; }
    return index;
  }

  function renderDistrictMap(element) {
    if (!window.L) { fallback(element, "地图组件未加载，请查看下方数据表"); return; }
    var rows = readRows(element);
    var byCode = {}, byName = {};
    rows.forEach(function (r) { byCode[r.code] = r; byName[r.name] = r; });
    var density = element.dataset.density === "true";
    var label = element.dataset.valueLabel || "数量";
    var unit = element.dataset.unit || "";
    fetch(element.dataset.geojson, { headers: { Accept: "application/geo+json, application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (geojson) {
        var features = (geojson && geojson.features) || [];
        if (!features.length) { fallback(element, "暂无区划边界数据（请先初始化区划：uv run yiwang seed）"); return; }
        features.forEach(function (f) {
          var p = f.properties || {};
          var row = byCode[p.code || p.adcode] || byName[p.name];
          var count = row ? Number(row.value) : 0;
          var area = featureAreaKm2(f);
          p._count = count;
          p._area = area;
          p._name = p.name || (row && row.name) || "";
          p._metric = density ? (area > 0 ? count / area : 0) : count;
        });
        var breaks = quantileBreaks(features.map(function (f) { return f.properties._metric; }), SCALE.length);
        var map = window.L.map(element, { zoomSnap: 0.25, attributionControl: Boolean(element.dataset.tiles), scrollWheelZoom: false });
        if (element.dataset.tiles) {
          window.L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution || "", maxZoom: 18 }).addTo(map);
        }
        var layer = window.L.geoJSON(geojson, {
          style: function (f) {
            var m = f.properties._metric;
            return { color: "#ffffff", weight: 1.2, fillOpacity: 0.85, fillColor: m > 0 ? SCALE[classOf(m, breaks)] : "#eceff1" };
          },
          onEachFeature: function (f, featureLayer) {
            var p = f.properties;
            var text = "<strong>" + p._name + "</strong><br>" + label + "：" + formatNumber(p._count) + (unit ? " " + unit : "");
            if (density) { text += "<br>密度：" + formatMetric(p._metric) + " " + (unit || "个") + "/km²<br>面积：" + formatNumber(p._area, 0) + " km²"; }
            featureLayer.bindTooltip(text, { sticky: true });
            featureLayer.on({
              mouseover: function () { featureLayer.setStyle({ weight: 2.5, color: "#1d4f91" }); featureLayer.bringToFront(); },
              mouseout: function () { layer.resetStyle(featureLayer); }
            });
          }
        }).addTo(map);
        map.fitBounds(layer.getBounds(), { padding: [8, 8] });
        var legend = window.L.control({ position: "bottomright" });
        legend.onAdd = function () {
          var div = window.L.DomUtil.create("div", "map-legend");
          var title = density ? label + "密度（" + (unit || "个") + "/km²）" : label;
          var lines = ["<strong>" + title + "</strong>"];
          var edges = [0].concat(breaks);
          edges.forEach(function (from, i) {
            var to = edges[i + 1];
            var text = to !== undefined ? formatMetric(from) + " – " + formatMetric(to) : formatMetric(from) + " 以上";
            lines.push('<i style="background:' + SCALE[i] + '"></i>' + text);
          });
          lines.push('<i style="background:#eceff1"></i>无');
          div.innerHTML = lines.join("<br>");
          return div;
        };
        legend.addTo(map);
        element.dataset.rendered = "true";
      })
      .catch(function () { fallback(element, "区划边界加载失败，请查看下方数据表"); });
  }

  function init(root) {
    var scope = root || document;
    Array.prototype.forEach.call(scope.querySelectorAll("[data-chart]"), renderChart);
    Array.prototype.forEach.call(scope.querySelectorAll('[data-map="districts"]'), renderDistrictMap);
  }

  window.Yiwang = { renderChart: renderChart, renderDistrictMap: renderDistrictMap, formatNumber: formatNumber, init: init };

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  // Content swapped in by htmx may carry charts too.
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
  window.addEventListener("resize", function () { charts.forEach(function (c) { if (!c.isDisposed()) { c.resize(); } }); });
})();

import re
from pathlib import Path

import pytest

from yiwang.config import Settings
from yiwang.web.templating import make_templates


@pytest.fixture
def env(tmp_path: Path):
    return make_templates(Settings(frontend_dir=tmp_path / "none")).env


def render(env, source: str, **context) -> str:
    return env.from_string('{% import "_macros.html" as ui %}' + source).render(**context)


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_pagination_marks_the_current_page_and_skips_far_pages(env):
    html = squash(render(env, "{{ ui.pagination(6, 20, url, total=390) }}", url=lambda n: f"/x?page={n}"))
    assert 'aria-current="page">6<' in html
    assert 'href="/x?page=5" rel="prev">上一页' in html
    assert 'href="/x?page=7" rel="next">下一页' in html
    assert 'href="/x?page=20">20<' in html
    assert 'href="/x?page=12"' not in html
    assert "第 6 / 20 页，共 390 条" in html


def test_pagination_accepts_a_jinja_macro_for_urls(env):
    source = "{% macro url(n) %} /registry?q=川&page={{ n }} {% endmacro %}{{ ui.pagination(1, 2, url) }}"
    html = squash(render(env, source))
    assert 'href="/registry?q=川&page=2" rel="next"' in html
    assert '<span class="page-step disabled" aria-disabled="true">上一页</span>' in html


def test_page_link_keeps_the_query_and_escapes_it(env):
    from starlette.requests import Request

    from yiwang.web.templating import page_link

    request = Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/registry",
            "query_string": b"q=%E5%B7%9D&page=3",
            "headers": [(b"host", b"testserver")],
            "scheme": "http",
            "server": ("testserver", 80),
        }
    )
    html = render(env, "{{ ui.pagination(3, 5, link) }}", link=page_link(request))
    assert 'href="/registry?q=%E5%B7%9D&amp;page=4" rel="next"' in html


def test_single_page_shows_only_the_total(env):
    html = render(env, "{{ ui.pagination(1, 1, url, total=7) }}", url=str)
    assert "共 7 条" in html
    assert "上一页" not in html


def test_masked_value(env):
    html = render(env, "{{ ui.masked(v, 'id_number') }}", v="510107199003071236")
    assert "510107********1236" in html
    assert "199003" not in html
    assert "—" in render(env, "{{ ui.masked(none, 'phone') }}")


def test_empty_state_with_and_without_extra_content(env):
    plain = render(env, "{{ ui.empty_state('暂无数据', '请先导入') }}")
    assert "暂无数据" in plain
    assert "请先导入" in plain
    called = render(env, "{% call ui.empty_state('没有结果') %}<a href='/x'>返回</a>{% endcall %}")
    assert "<a href='/x'>返回</a>" in called


def test_chart_keeps_a_readable_table_when_the_frontend_is_missing(env):
    rows = [{"code": "510107", "name": "武侯区", "value": 1234}]
    html = render(env, "{{ ui.chart('c1', '企业数量', rows) }}", rows=rows)
    assert 'data-chart="bar"' in html
    assert '<details class="chart-table" open>' in html  # opened because the npm packages are absent
    assert "<td>武侯区</td>" in html
    assert "1,234" in html
    assert '"name": "武侯区"' in html or '"name": "\\u6b66' in html


def test_chart_without_rows_is_an_empty_state(env):
    html = render(env, "{{ ui.chart('c2', '企业数量', []) }}")
    assert "暂无数据" in html
    assert "data-chart" not in html


def test_series_chart_renders_points_as_a_line_chart_with_a_table(env):
    from pydantic import BaseModel

    class SeriesPoint(BaseModel):
        label: str
        values: dict[str, float]

    points = [
        SeriesPoint(label="2023", values={"revenue": 120.5, "tax_paid": 8.25}),
        SeriesPoint(label="2024", values={"revenue": 150.0}),
    ]
    series = {"revenue": "营业收入", "tax_paid": "纳税额"}
    source = "{{ ui.series_chart('t', '营收', points, series, unit='万元', digits=2) }}"
    html = render(env, source, points=points, series=series)
    assert 'data-chart="line"' in html
    assert "&#34;revenue&#34;" in html  # the series names travel in an attribute, escaped
    assert '"label": "2023"' in html
    assert '<th class="num">营业收入（万元）</th>' in html
    assert "120.50" in html
    assert "—" in html  # 2024 has no tax figure

"""GCJ-02 ⇄ WGS-84: published reference vectors, round trips, points abroad and GeoJSON geometries."""

import numpy as np
import pytest

from yiwang.geo.coords import (
    convert_geometry,
    gcj02_to_wgs84,
    gcj02_to_wgs84_array,
    gcj02_to_wgs84_geometry,
    out_of_china,
    wgs84_to_gcj02,
    wgs84_to_gcj02_array,
)

# (lon, lat) pairs from the eviltransform reference implementations' test suites.
REFERENCE = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_forward_matches_the_published_vectors(wgs, gcj):
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_inverse_recovers_the_wgs84_point(wgs, gcj):
    assert gcj02_to_wgs84(*gcj) == pytest.approx(wgs, abs=1e-8)


def test_round_trip_over_chengdu_is_below_a_millimetre():
    rng = np.random.default_rng(7)
    points = np.column_stack([rng.uniform(102.9, 105.2, 2000), rng.uniform(30.0, 31.5, 2000)])
    back = gcj02_to_wgs84_array(wgs84_to_gcj02_array(points))
    assert np.max(np.abs(back - points)) < 1e-8  # 1e-8° ≈ 1 mm


def test_offset_in_chengdu_is_a_few_hundred_metres():
    lon, lat = wgs84_to_gcj02(104.0657, 30.6595)
    assert 0.001 < lon - 104.0657 < 0.004
    assert -0.004 < lat - 30.6595 < 0
    assert not out_of_china(104.0657, 30.6595)


@pytest.mark.parametrize("point", [(-104.9903, 39.7392), (153.0251, -27.4698), (2.35, 48.85)])
def test_points_outside_china_are_unchanged(point):
    assert out_of_china(*point)
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


def test_arrays_keep_extra_columns_and_reject_bad_shapes():
    converted = gcj02_to_wgs84_array([[104.07, 30.66, 500.0]])
    assert converted.shape == (1, 3)
    assert converted[0, 2] == 500.0
    with pytest.raises(ValueError, match="expected an"):
        gcj02_to_wgs84_array([1.0])


def test_geojson_geometries_of_every_type_are_converted():
    polygon = {
        "type": "Polygon",
        "coordinates": [
            [[104.0, 30.0], [104.1, 30.0], [104.1, 30.1], [104.0, 30.0]],
            [[104.02, 30.02], [104.03, 30.02], [104.03, 30.03], [104.02, 30.02]],
        ],
    }
    converted = gcj02_to_wgs84_geometry(polygon)
    assert converted["type"] == "Polygon"
    assert len(converted["coordinates"][1]) == 4
    assert converted["coordinates"][0][0] == pytest.approx(list(gcj02_to_wgs84(104.0, 30.0)))
    assert polygon["coordinates"][0][0] == [104.0, 30.0]  # the input is not modified

    point = convert_geometry({"type": "Point", "coordinates": [104.0, 30.0]}, to="gcj02")
    assert point["coordinates"] == pytest.approx(list(wgs84_to_gcj02(104.0, 30.0)))

    collection = gcj02_to_wgs84_geometry(
        {"type": "GeometryCollection", "geometries": [{"type": "MultiPoint", "coordinates": [[104.0, 30.0]]}]}
    )
    assert collection["geometries"][0]["coordinates"][0] == pytest.approx(list(gcj02_to_wgs84(104.0, 30.0)))
    with pytest.raises(ValueError, match="unknown target datum"):
        convert_geometry(polygon, to="bd09")

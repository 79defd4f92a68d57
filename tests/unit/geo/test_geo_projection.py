"""The Gauss–Krüger projection used for metre lattices: round trips, distances and areas."""

import math

import numpy as np
import pytest
from shapely.geometry import box

from yiwang.geo.projection import CITY_PROJECTION, GaussKruger


def test_forward_then_inverse_is_the_identity_over_the_city():
    rng = np.random.default_rng(3)
    points = np.column_stack([rng.uniform(102.9, 105.2, 500), rng.uniform(30.0, 31.5, 500)])
    back = CITY_PROJECTION.inverse(CITY_PROJECTION.forward(points))
    assert np.max(np.abs(back - points)) < 1e-9


def test_central_meridian_maps_to_zero_easting_and_the_meridian_arc():
    x, y = CITY_PROJECTION.forward([[105.0, 30.0]])[0]
    assert x == pytest.approx(0.0, abs=1e-6)
    assert y == pytest.approx(3_320_113.398, abs=0.01)  # meridian arc length to 30°N on WGS-84


def test_east_west_distance_matches_the_ellipsoid():
    a = CITY_PROJECTION.forward([[104.0, 30.6], [104.01, 30.6]])
    projected = float(np.hypot(*(a[1] - a[0])))
    e2 = 0.0066943799901413165
    phi = math.radians(30.6)
    n = 6378137 / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    ground = n * math.cos(phi) * math.radians(0.01)
    k = CITY_PROJECTION.scale_factor(float(a[0][0]))
    assert projected / k == pytest.approx(ground, rel=1e-5)


def test_area_is_corrected_for_scale():
    square = box(-100_000, 3_390_000, -98_000, 3_392_000)  # 2 km square about 100 km west of the meridian
    area = CITY_PROJECTION.area_m2(square)
    assert area < 4_000_000
    assert area == pytest.approx(4_000_000 / CITY_PROJECTION.scale_factor(-99_000) ** 2)
    assert CITY_PROJECTION.area_m2(box(0, 0, 0, 0)) == 0.0


def test_geometries_project_and_unproject():
    projection = GaussKruger(central_meridian=104.0)
    cell = box(104.0, 30.5, 104.01, 30.51)
    back = projection.unproject(projection.project(cell))
    assert back.equals_exact(cell, 1e-9)

"""Synthetic unit grids: code format, uniqueness, containment, coverage, determinism and the every-street rule."""

import math
from collections import Counter, defaultdict

import pytest
import shapely
from shapely.geometry import Point, box

from yiwang.geo import grids
from yiwang.geo.boundaries import district_outlines
from yiwang.geo.divisions import CommunityInfo, StreetInfo, load_divisions
from yiwang.geo.projection import CITY_PROJECTION

CELL_M = 5000


@pytest.fixture(scope="module")
def layouts() -> dict[str, grids.DistrictLayout]:
    result = grids.layout_city(divisions=load_divisions(), outlines=district_outlines(), cell_m=CELL_M)
    return {layout.district_code: layout for layout in result}


def test_every_district_is_laid_out(layouts):
    assert len(layouts) == 20
    assert sum(len(layout.grids) for layout in layouts.values()) > 700


def test_codes_are_15_digits_and_nest_district_street_community(layouts):
    for layout in layouts.values():
        for grid in layout.grids:
            assert len(grid.code) == 15
            assert grid.code.isdigit()
            assert grid.code[:12] == grid.community_code
            assert grid.community_code[:9] == grid.street_code
            assert grid.street_code[:6] == grid.district_code == layout.district_code
            assert grid.code[12:] == f"{grid.sequence:03d}"


def test_codes_are_unique_and_sequences_run_from_001(layouts):
    codes = [grid.code for layout in layouts.values() for grid in layout.grids]
    assert len(codes) == len(set(codes))
    by_community = defaultdict(list)
    for layout in layouts.values():
        for grid in layout.grids:
            by_community[grid.community_code].append(grid.sequence)
    for sequences in by_community.values():
        assert sorted(sequences) == list(range(1, len(sequences) + 1))


def test_every_street_has_at_least_one_grid(layouts):
    divisions = load_divisions()
    held = Counter(grid.street_code for layout in layouts.values() for grid in layout.grids)
    assert len(held) == len(divisions.streets) == 261
    assert all(held[street.code] >= 1 for street in divisions.streets)


def test_grids_lie_inside_their_district_and_do_not_overlap(layouts):
    outlines = district_outlines()
    for code, layout in layouts.items():
        outline = outlines[code].buffer(1e-6)  # coordinates are rounded to 1e-7°
        union = shapely.union_all([grid.geometry for grid in layout.grids])
        for grid in layout.grids:
            assert grid.geometry.is_valid
            assert outline.contains(grid.geometry), grid.code
            assert grid.geometry.covers(Point(grid.centroid_lon, grid.centroid_lat)), grid.code
            assert (grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat) == pytest.approx(grid.geometry.bounds)
        # No overlaps: the union is as large as the parts together (up to the 1e-7° rounding of coordinates).
        assert union.area == pytest.approx(sum(grid.geometry.area for grid in layout.grids), rel=1e-4)


def test_grids_cover_the_district_except_slivers(layouts):
    outlines = district_outlines()
    total_grids = sum(grid.area_m2 for layout in layouts.values() for grid in layout.grids)
    total_city = sum(CITY_PROJECTION.area_m2(CITY_PROJECTION.project(o)) for o in outlines.values())
    assert total_city / 1e6 == pytest.approx(14_335, rel=0.01)  # Chengdu's published area is 14,335 km²
    assert 0.97 < total_grids / total_city <= 1.0
    for layout in layouts.values():
        for grid in layout.grids:
            assert grid.area_m2 <= CELL_M * CELL_M * 1.002


def test_sequences_run_north_to_south_then_west_to_east():
    # 大邑县 at 10 km needs no split, so every grid is one lattice square: check reading order on row/column.
    layout = grids.layout_city(
        divisions=load_divisions(), outlines=district_outlines(), cell_m=10_000, district_codes=["510129"]
    )[0]
    assert layout.split_cells == 0
    by_community = defaultdict(list)
    for grid in layout.grids:
        by_community[grid.community_code].append(grid)
    checked = 0
    for members in by_community.values():
        keys = []
        for grid in sorted(members, key=lambda g: g.sequence):
            x, y = CITY_PROJECTION.forward([[grid.centroid_lon, grid.centroid_lat]])[0]
            keys.append((-math.floor(y / 10_000), math.floor(x / 10_000)))
        assert keys == sorted(keys)
        checked += len(keys) > 1
    assert checked > 0


def test_layout_is_deterministic(layouts):
    again = grids.layout_city(
        divisions=load_divisions(), outlines=district_outlines(), cell_m=CELL_M, district_codes=["510104", "510185"]
    )
    for layout in again:
        first = layouts[layout.district_code]
        assert [g.code for g in layout.grids] == [g.code for g in first.grids]
        assert all(a.geometry.equals_exact(b.geometry, 0) for a, b in zip(layout.grids, first.grids, strict=True))
        assert layout.streets == first.streets
        assert layout.communities == first.communities


def test_street_points_lie_in_the_district_and_jiedao_sit_nearer_the_core(layouts):
    divisions = load_divisions()
    kinds = {s.code: s.kind for s in divisions.streets}
    outlines = district_outlines()
    for code, layout in layouts.items():
        for point in layout.streets:
            assert outlines[code].buffer(1e-6).contains(Point(point.lon, point.lat))
    # 金堂县: 6 街道 and 10 towns; the 街道 cluster near the seat, the towns spread out.
    layout = layouts["510121"]
    core = next(p for p in layout.streets if kinds[p.code] == "街道")

    def spread(kind):
        points = [p for p in layout.streets if kinds[p.code] == kind]
        return sum(math.hypot(p.lon - core.lon, p.lat - core.lat) for p in points) / len(points)

    assert spread("街道") < spread("镇")


def test_central_districts_at_coarse_cells_use_the_split_rule(layouts):
    # 锦江区 (61 km², 11 streets) has fewer 5 km cells than streets: quarter cells make room for every street.
    layout = layouts["510104"]
    assert layout.split_cells + layout.reassigned_cells > 0
    assert len({g.street_code for g in layout.grids}) == 11


def _square_district(size_deg: float) -> shapely.Polygon:
    return box(104.30, 30.30, 104.30 + size_deg, 30.30 + size_deg)


def test_split_rule_gives_each_street_a_grid_in_a_tiny_district():
    streets = [StreetInfo(f"510199{i:03d}", f"测试{i}街道", "街道", "510199") for i in range(1, 8)]
    communities = [
        CommunityInfo(f"{s.code}001", f"测试{i}社区居委会", s.code, urban=True) for i, s in enumerate(streets)
    ]
    outline = _square_district(0.05)  # about 4.8 km × 5.5 km: at most four 5 km cells for seven streets
    layout = grids.layout_district(
        district_code="510199", outline=outline, streets=streets, communities=communities, cell_m=5000
    )
    assert layout.split_cells >= 1
    assert {g.street_code for g in layout.grids} == {s.code for s in streets}
    total = sum(g.area_m2 for g in layout.grids)
    assert total == pytest.approx(CITY_PROJECTION.area_m2(CITY_PROJECTION.project(outline)), rel=0.06)


def test_a_street_without_communities_cannot_be_laid_out():
    streets = [StreetInfo("510199001", "测试街道", "街道", "510199")]
    with pytest.raises(grids.GridLayoutError, match="没有社区"):
        grids.layout_district(
            district_code="510199", outline=_square_district(0.1), streets=streets, communities=[], cell_m=5000
        )


def test_too_many_grids_for_a_community_is_refused():
    streets = [StreetInfo("510199001", "测试街道", "街道", "510199")]
    communities = [CommunityInfo("510199001001", "测试社区居委会", "510199001", urban=True)]
    with pytest.raises(grids.GridLayoutError, match="999"):
        grids.layout_district(
            district_code="510199",
            outline=_square_district(0.4),
            streets=streets,
            communities=communities,
            cell_m=1000,
        )

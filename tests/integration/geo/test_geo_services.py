"""Geo services on loaded master data (SQLite and PostgreSQL): listing, locating, geocoding, GeoJSON."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from yiwang.geo import services
from yiwang.geo.models import Grid
from yiwang.kernel.errors import NotFoundError, ValidationError
from yiwang.kernel.identifiers import validate_division_code


@pytest.fixture
def db_url(shared_geo_url):
    """These tests only read, so the module shares one loaded database."""
    return shared_geo_url


def test_master_data_is_complete(session):
    districts = services.list_districts(session)
    assert len(districts) == 20
    assert sum(d.street_count for d in districts) == 261
    assert sum(d.community_count for d in districts) == 3047
    grid_total = session.scalar(select(func.count()).select_from(Grid))
    assert sum(d.grid_count for d in districts) == grid_total > 700
    assert all(d.grid_cell_m == 5000 and d.area_km2 and d.bbox for d in districts)
    assert sum(d.area_km2 or 0 for d in districts) == pytest.approx(14_335, rel=0.01)
    jinjiang = services.get_district(session, code="510104")
    assert (jinjiang.name, jinjiang.kind, jinjiang.city_code) == ("锦江区", "区", "510100")
    assert jinjiang.bbox[0] < jinjiang.centroid_lon < jinjiang.bbox[2]


def test_every_street_has_at_least_one_grid(session):
    streets = services.list_streets(session)
    assert len(streets) == 261
    assert all(s.grid_count >= 1 for s in streets), [s.name for s in streets if s.grid_count == 0]
    assert all(s.centroid_lon is not None for s in streets)


def test_grids_are_synthetic_with_valid_codes(session):
    rows = session.scalars(select(Grid)).all()
    assert all(row.synthetic for row in rows)
    assert all(len(row.code) == 15 and row.code.startswith(row.community_code) for row in rows)
    per_community = Counter(row.community_code for row in rows)
    sequences = {row.community_code: set() for row in rows}
    for row in rows:
        sequences[row.community_code].add(row.sequence)
    assert all(sequences[c] == set(range(1, n + 1)) for c, n in per_community.items())


def test_known_codes_validate_division_codes(session):
    codes = services.known_division_codes(session)
    assert len(codes) == 3328
    assert validate_division_code("510117006", codes) == "510117006"
    with pytest.raises(ValidationError):
        validate_division_code("510199", codes)
    names = services.division_names(session)
    assert names["510117006"] == "犀浦街道"
    assert names["510104017001"] == "水井坊社区居委会"


def test_locate_point_finds_the_grid_of_each_grid_centroid(session):
    grids = session.scalars(select(Grid).order_by(Grid.code)).all()
    for grid in grids[::13]:
        found = services.locate_point(session, lon=grid.centroid_lon, lat=grid.centroid_lat)
        assert found is not None
        assert found.grid_code == grid.code
        assert (found.district_code, found.street_code, found.community_code) == (
            grid.district_code,
            grid.street_code,
            grid.community_code,
        )
        assert found.district_name
        assert found.street_name
        assert found.synthetic


def test_locate_point_outside_the_city_and_bad_coordinates(session):
    assert services.locate_point(session, lon=116.397, lat=39.909) is None  # Beijing
    with pytest.raises(ValidationError, match="经度"):
        services.locate_point(session, lon=200.0, lat=30.0)
    with pytest.raises(ValidationError, match="纬度"):
        services.locate_point(session, lon=104.0, lat=-91.0)


def test_locate_point_at_tianfu_square(session):
    found = services.locate_point(session, lon=104.0633, lat=30.6597)
    assert found is not None
    assert found.district_code in {"510104", "510105"}  # 天府广场 sits on the 锦江/青羊 border
    assert found.grid_code is not None


def test_lists_and_errors(session):
    streets = services.list_streets(session, district_code="510104")
    assert [s.name for s in streets][:2] == ["锦官驿街道", "东湖街道"]
    assert all(s.district_name == "锦江区" for s in streets)
    communities = services.list_communities(session, street_code="510104017")
    assert communities[0].short_name == "水井坊社区"
    assert communities[0].kind == "社区"
    assert services.get_street(session, code="510117006").name == "犀浦街道"
    with pytest.raises(NotFoundError, match="区县代码 510199 不存在"):
        services.get_district(session, code="510199")
    with pytest.raises(ValidationError, match="区县代码应为6位数字"):
        services.get_district(session, code="5101")
    with pytest.raises(NotFoundError):
        services.list_streets(session, district_code="510199")
    with pytest.raises(NotFoundError, match="街道"):
        services.list_communities(session, street_code="510104999")
    with pytest.raises(NotFoundError, match="网格编码"):
        services.get_grid(session, code="510104017001999")


def test_list_grids_filters_and_pages(session):
    first = services.list_grids(session, district_code="510116", page=1, page_size=5)
    second = services.list_grids(session, district_code="510116", page=2, page_size=5)
    assert first.total == second.total > 10
    assert first.pages == -(-first.total // 5)
    assert len(first.items) == 5
    assert first.items[-1].code < second.items[0].code
    street = first.items[0].street_code
    by_street = services.list_grids(session, street_code=street, page_size=500)
    assert {g.street_code for g in by_street.items} == {street}
    community = first.items[0].community_code
    assert all(g.community_code == community for g in services.list_grids(session, community_code=community).items)
    assert services.get_grid(session, code=first.items[0].code) == first.items[0]
    with pytest.raises(ValidationError, match="每页条数"):
        services.list_grids(session, page_size=501)
    with pytest.raises(ValidationError, match="页码"):
        services.list_grids(session, page=0)
    with pytest.raises(ValidationError, match="街道代码"):
        services.list_grids(session, street_code="51010401")


def test_geocode_uses_the_database_divisions(session):
    result = services.geocode(session, text="郫都区犀浦镇那边路灯坏了")
    assert (result.status.value, result.district_code, result.street_name) == ("matched", "510117", "犀浦街道")
    assert result.query == "郫都区犀浦镇那边路灯坏了"
    ambiguous = services.geocode(session, text="石羊")
    assert ambiguous.status.value == "ambiguous"
    assert len(ambiguous.candidates) == 2
    with pytest.raises(ValidationError, match="过长"):
        services.geocode(session, text="成都" * 1001)
    many = services.geocode_many(session, texts=["武侯", "北京市朝阳区"])
    assert [r.status.value for r in many] == ["district_only", "unknown"]


def test_districts_geojson(session):
    collection = services.districts_geojson(session)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 20
    feature = collection["features"][0]
    assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert {"code", "name", "kind", "area_km2", "street_count", "grid_count"} <= set(feature["properties"])
    lon, lat = feature["geometry"]["coordinates"][0][0][0]
    assert 102.9 < lon < 105.2
    assert 30.0 < lat < 31.5
    simplified = services.districts_geojson(session, tolerance=0.0005)
    full_points = sum(len(str(f["geometry"])) for f in collection["features"])
    assert sum(len(str(f["geometry"])) for f in simplified["features"]) < full_points / 2
    one = services.districts_geojson(session, codes=["510104"])
    assert [f["properties"]["name"] for f in one["features"]] == ["锦江区"]
    with pytest.raises(ValidationError, match="容差"):
        services.districts_geojson(session, tolerance=1.0)


def test_grids_geojson(session):
    collection = services.grids_geojson(session, district_code="510104")
    district = services.get_district(session, code="510104")
    assert len(collection["features"]) == district.grid_count
    properties = collection["features"][0]["properties"]
    assert properties["street_name"]
    assert properties["community_name"]
    assert properties["synthetic"] is True
    with pytest.raises(NotFoundError):
        services.grids_geojson(session, district_code="510199")

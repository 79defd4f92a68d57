"""The geo pages: overview with map and table, district and street pages, geocoding and locating, empty state."""

import pytest
from sqlalchemy import select

from yiwang.geo.models import Grid


@pytest.fixture
def db_url(shared_geo_url):
    """These tests only read, so the module shares one loaded database."""
    return shared_geo_url


def test_overview_page(client):
    response = client.get("/geo")
    assert response.status_code == 200
    html = response.text
    assert "区划与单元网格" in html
    assert 'href="/geo/districts/510104">锦江区</a>' in html
    assert "3,047" in html
    assert 'id="geo-district-map"' in html
    assert "/api/geo/districts?format=geojson" in html
    assert 'action="/geo/geocode"' in html


def test_district_page_lists_streets_and_says_grids_are_synthetic(client):
    response = client.get("/geo/districts/510117")
    assert response.status_code == 200
    html = response.text
    assert "郫都区" in html
    assert 'href="/geo/streets/510117006">犀浦街道</a>' in html
    assert "合成数据" in html
    assert "/api/geo/grids.geojson?district=510117" in html
    missing = client.get("/geo/districts/510199")
    assert missing.status_code == 404
    assert "区县代码 510199 不存在" in missing.text
    assert "text/html" in missing.headers["content-type"]
    assert client.get("/geo/districts/abc").status_code == 422
    assert client.get("/geo/streets/510104999").status_code == 404


def test_street_page_lists_communities(client):
    response = client.get("/geo/streets/510104017")
    assert response.status_code == 200
    assert "水井坊社区居委会" in response.text
    assert "锦官驿街道" in response.text


def test_geocode_page_shows_result_candidates_and_reason(client):
    response = client.get("/geo/geocode", params={"q": "石羊"})
    assert response.status_code == 200
    html = response.text
    assert 'data-status="ambiguous"' in html
    assert "有歧义" in html
    assert "都江堰市" in html
    assert "石羊街道" in html
    matched = client.get("/geo/geocode", params={"q": "郫都区犀浦镇那边路灯坏了"}).text
    assert 'data-status="matched"' in matched
    assert "犀浦街道" in matched


def test_geocode_page_locates_coordinates(client, session):
    grid = session.scalars(select(Grid).order_by(Grid.code)).first()
    html = client.get("/geo/geocode", params={"lon": grid.centroid_lon, "lat": grid.centroid_lat}).text
    assert grid.code in html
    outside = client.get("/geo/geocode", params={"lon": "116.4", "lat": "39.9"}).text
    assert "该坐标不在成都市范围内" in outside
    bad = client.get("/geo/geocode", params={"lon": "东经", "lat": "30"}).text
    assert "经度应为数字" in bad


def test_overview_of_an_empty_database_says_how_to_load(empty_client):
    response = empty_client.get("/geo")
    assert response.status_code == 200
    assert "区划数据尚未加载" in response.text
    assert "yiwang geo load" in response.text

"""The geo JSON API through the application: lists, GeoJSON, geocoding, locating, and Chinese errors."""

import pytest
from sqlalchemy import select

from yiwang.geo.models import Grid


@pytest.fixture
def db_url(shared_geo_url):
    """These tests only read, so the module shares one loaded database."""
    return shared_geo_url


def _detail(response):
    return response.json()["detail"][0]


def test_districts_list_and_detail(client):
    response = client.get("/api/geo/districts")
    assert response.status_code == 200
    districts = response.json()
    assert len(districts) == 20
    assert districts[0]["code"] == "510104"
    assert sum(d["street_count"] for d in districts) == 261
    detail = client.get("/api/geo/districts/510117").json()
    assert detail["name"] == "郫都区"
    assert len(detail["bbox"]) == 4


def test_districts_as_geojson(client):
    response = client.get("/api/geo/districts", params={"format": "geojson", "tolerance": 0.0005})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert {f["properties"]["code"] for f in collection["features"]} >= {"510104", "510185"}
    assert all({"code", "name", "kind"} <= set(f["properties"]) for f in collection["features"])
    bad = client.get("/api/geo/districts", params={"format": "kml"})
    assert bad.status_code == 422


def test_bad_and_unknown_codes(client):
    malformed = client.get("/api/geo/districts/5101")
    assert malformed.status_code == 422
    assert _detail(malformed)["message"] == "区县代码应为6位数字：'5101'"
    assert _detail(malformed)["field"] == "district_code"
    unknown = client.get("/api/geo/districts/510199")
    assert unknown.status_code == 404
    assert "不存在" in _detail(unknown)["message"]
    assert client.get("/api/geo/districts/510199/streets").status_code == 404
    assert client.get("/api/geo/streets/51010401/communities").status_code == 422
    assert client.get("/api/geo/streets/510104999/communities").status_code == 404
    assert client.get("/api/geo/grids/510104017001999").status_code == 404


def test_streets_and_communities(client):
    streets = client.get("/api/geo/districts/510104/streets").json()
    assert len(streets) == 11
    assert all(s["grid_count"] >= 1 and s["synthetic_point"] for s in streets)
    assert client.get("/api/geo/streets/510117006").json()["name"] == "犀浦街道"
    communities = client.get("/api/geo/streets/510104017/communities").json()
    assert communities[0]["name"] == "水井坊社区居委会"
    assert communities[0]["short_name"] == "水井坊社区"


def test_grids_paging_and_geojson(client):
    page = client.get("/api/geo/grids", params={"district": "510104", "page": 1, "page_size": 5}).json()
    assert page["page"] == 1
    assert page["page_size"] == 5
    assert page["total"] >= 11
    assert page["pages"] == -(-page["total"] // 5)
    assert len(page["items"]) == 5
    first = page["items"][0]
    assert client.get(f"/api/geo/grids/{first['code']}").json() == first
    assert client.get("/api/geo/grids", params={"district": "abc"}).status_code == 422
    assert client.get("/api/geo/grids", params={"page_size": 1000}).status_code == 422

    collection = client.get("/api/geo/grids.geojson", params={"district": "510104"})
    assert collection.status_code == 200
    assert collection.headers["content-type"].startswith("application/geo+json")
    assert len(collection.json()["features"]) == page["total"]
    assert client.get("/api/geo/grids.geojson").status_code == 422
    assert client.get("/api/geo/grids.geojson", params={"district": "510199"}).status_code == 404


def test_geocode_endpoint(client):
    response = client.get("/api/geo/geocode", params={"q": "四川省成都市武侯区玉林街道玉林北路3号"})
    assert response.status_code == 200
    result = response.json()
    assert result["status"] == "matched"
    assert (result["district_code"], result["street_name"]) == ("510107", "玉林街道")
    assert result["confidence"] > 0.9
    elsewhere = client.get("/api/geo/geocode", params={"q": "北京市朝阳区建国路88号"}).json()
    assert elsewhere["status"] == "unknown"
    assert elsewhere["reason"].startswith("地址不在成都市")
    empty = client.get("/api/geo/geocode", params={"q": "  "})
    assert empty.status_code == 422
    assert _detail(empty)["field"] == "q"
    assert client.get("/api/geo/geocode").status_code == 422


def test_locate_endpoint(client, session):
    grid = session.scalars(select(Grid).where(Grid.district_code == "510117").order_by(Grid.code)).first()
    response = client.get("/api/geo/locate", params={"lon": grid.centroid_lon, "lat": grid.centroid_lat})
    assert response.status_code == 200
    assert response.json()["grid_code"] == grid.code
    assert response.json()["district_name"] == "郫都区"
    outside = client.get("/api/geo/locate", params={"lon": 116.397, "lat": 39.909})
    assert outside.status_code == 404
    assert "不在本市" in _detail(outside)["message"]
    assert client.get("/api/geo/locate", params={"lon": 500, "lat": 30}).status_code == 422
    assert client.get("/api/geo/locate", params={"lon": "东经104度", "lat": 30}).status_code == 422

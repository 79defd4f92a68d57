"""The platform's operational surface and the home page, through the whole application stack."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.web.assets import VENDOR_FILES


def test_healthz_reports_ok_and_version(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"]


def test_metrics_count_requests_by_route(client):
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "yiwang_http_requests_total" in response.text
    assert 'route="/healthz"' in response.text
    assert "yiwang_http_request_seconds_bucket" in response.text


def test_openapi_and_docs_load(client):
    spec = client.get("/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["info"]["title"] == "一网 yiwang"
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def test_unknown_vendor_file_is_404_in_chinese(client):
    response = client.get("/vendor/x")
    assert response.status_code == 404
    [detail] = response.json()["detail"]
    assert detail["code"] == "not_found"
    assert "前端资源 x 不存在" in detail["message"]
    assert detail["field"] == "name"


def test_vendor_never_serves_paths_outside_the_allow_list(client):
    for name in ("../package.json", "echarts/package.json", "images/../../package.json"):
        assert client.get(f"/vendor/{name}").status_code == 404


@pytest.fixture
def fake_frontend(tmp_path: Path) -> Path:
    """A node_modules look-alike holding placeholder files at the allow-listed paths."""
    root = tmp_path / "node_modules"
    for name, relative in VENDOR_FILES.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"/* placeholder for {name} */", encoding="utf-8")
    return root


def test_vendor_serves_installed_files_and_says_when_missing(settings, fake_frontend, tmp_path):
    installed = create_app(settings.model_copy(update={"frontend_dir": fake_frontend}))
    with TestClient(installed) as c:
        response = c.get("/vendor/echarts.min.js")
        assert response.status_code == 200
        assert "placeholder for echarts.min.js" in response.text
        assert c.get("/vendor/images/layers.png").status_code == 200
    missing = create_app(settings.model_copy(update={"frontend_dir": tmp_path / "absent"}))
    with TestClient(missing) as c:
        response = c.get("/vendor/leaflet.js")
        assert response.status_code == 404
        assert "npm ci" in response.json()["detail"][0]["message"]


def test_home_on_an_empty_database_explains_how_to_seed(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    html = response.text
    assert "一网通办" in html
    assert "一网统管" in html
    assert "数据库还是空的" in html
    assert "uv run yiwang seed" in html
    assert 'action="/registry"' in html
    assert 'name="q"' in html
    for link in ("/registry", "/departments", "/geo", "/audit", "/docs"):
        assert f'href="{link}"' in html


def test_pages_say_when_the_frontend_is_missing(settings, tmp_path):
    app = create_app(settings.model_copy(update={"frontend_dir": tmp_path / "absent"}))
    with TestClient(app) as c:
        html = c.get("/").text
    assert "前端组件未安装" in html
    assert "/vendor/echarts.min.js" not in html
    assert "/vendor/htmx.min.js" not in html


def test_static_assets_are_served(client):
    assert client.get("/static/app.css").status_code == 200
    script = client.get("/static/app.js")
    assert script.status_code == 200
    assert "renderDistrictMap" in script.text


def test_settings_accept_small_demo_sizes(monkeypatch):
    monkeypatch.setenv("YIWANG_DEMO_PERSONS", "300")
    monkeypatch.setenv("YIWANG_DEMO_ENTERPRISES", "60")
    settings = Settings()
    assert (settings.demo_persons, settings.demo_enterprises) == (300, 60)

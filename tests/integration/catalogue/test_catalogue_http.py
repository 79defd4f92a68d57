"""Catalogue over HTTP: public API and pages (guides with waiver reasons), admin writes with 422/409/403."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import yaml
from fastapi.testclient import TestClient

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.kernel.actor import Actor
from yiwang.web import deps as web_deps

FOOD = "510100-01-market-002"


def _client_as(settings: Settings, actor: Actor) -> Iterator[TestClient]:
    app = create_app(settings)
    app.dependency_overrides[web_deps.get_actor] = lambda: actor
    app.dependency_overrides[web_deps.get_optional_actor] = lambda: actor
    with TestClient(app) as c:
        yield c
    app.state.engine.dispose()


@pytest.fixture
def police_client(settings: Settings, police_staff: Actor) -> Iterator[TestClient]:
    yield from _client_as(settings, police_staff)


@pytest.fixture
def citizen_client(settings: Settings, citizen: Actor) -> Iterator[TestClient]:
    yield from _client_as(settings, citizen)


def test_public_api_reads(anon_client: TestClient) -> None:
    page = anon_client.get("/api/catalogue/items", params={"page_size": 10, "page": 2}).json()
    assert page["total"] >= 30
    assert page["page"] == 2
    assert len(page["items"]) == 10
    item = anon_client.get(f"/api/catalogue/items/{FOOD}").json()
    assert item["name"] == "食品经营许可"
    assert item["material_views"][0]["waiver_reason"] == "免提交：调用电子证照（营业执照）"
    bundle = anon_client.get("/api/catalogue/bundles/yjs-newborn").json()
    assert len(bundle["departments"]) >= 4
    assert bundle["form_schema"]["type"] == "object"
    assert anon_client.get("/api/catalogue/bundles").json()["total"] >= 7
    events = anon_client.get("/api/catalogue/life-events").json()
    assert {"birth", "start", "retirement"} <= {e["code"] for e in events}
    hits = anon_client.get("/api/catalogue/search", params={"q": "过户"}).json()
    assert hits["bundles"][0]["code"] == "yjs-property-transfer"
    assert anon_client.get("/api/catalogue/items/510100-99-none-001").status_code == 404
    assert anon_client.get("/api/catalogue/items", params={"page_size": 999}).status_code == 422


def test_admin_api_versions_conflicts_and_field_errors(client: TestClient) -> None:
    item = client.get(f"/api/catalogue/items/{FOOD}").json()
    body = {k: item[k] for k in yaml.safe_load(yaml.safe_dump(item)) if k in _item_fields()}
    body["promised_days"] = 3
    saved = client.put(f"/api/catalogue/items/{FOOD}", json={"body": body, "expected_version": 1})
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 2
    stale = client.put(
        f"/api/catalogue/items/{FOOD}", json={"body": body | {"promised_days": 2}, "expected_version": 1}
    )
    assert stale.status_code == 409
    body["department"] = "nowhere"
    body["handling"] = "soon"
    bad = client.put(f"/api/catalogue/items/{FOOD}", json={"body": body, "expected_version": 2})
    assert bad.status_code == 422
    details = {d["field"]: d["message"] for d in bad.json()["detail"]}
    assert details["handling"].startswith("办件类型：取值必须为")
    history = client.get(f"/api/catalogue/items/{FOOD}/history").json()
    assert [v["version"] for v in history] == [2, 1]
    retired = client.post(f"/api/catalogue/items/{FOOD}/retire", json={"expected_version": 2, "reason": "测试停用"})
    assert retired.json()["status"] == "retired"


def _item_fields() -> set[str]:
    from yiwang.catalogue.schemas import ItemIn

    return set(ItemIn.model_fields)


def test_staff_of_another_department_and_citizens_cannot_edit(
    police_client: TestClient, citizen_client: TestClient
) -> None:
    item = police_client.get(f"/api/catalogue/items/{FOOD}").json()
    body = {k: v for k, v in item.items() if k in _item_fields()}
    refused = police_client.put(f"/api/catalogue/items/{FOOD}", json={"body": body, "expected_version": 1})
    assert refused.status_code == 403
    assert "没有修改该事项的权限" in refused.json()["detail"][0]["message"]
    assert (
        citizen_client.put(f"/api/catalogue/items/{FOOD}", json={"body": body, "expected_version": 1}).status_code
        == 403
    )
    assert citizen_client.get("/admin/catalogue").status_code == 403
    admin_page = police_client.get("/admin/catalogue")
    assert admin_page.status_code == 200
    assert "公章刻制备案" in admin_page.text
    assert "食品经营许可" not in admin_page.text


def test_portal_and_guides_render_with_waiver_reasons(anon_client: TestClient) -> None:
    portal = anon_client.get("/services")
    assert portal.status_code == 200
    assert "开办餐饮店" in portal.text
    assert "出生" in portal.text
    assert anon_client.get("/services", params={"life_event": "birth"}).text.count("新生儿出生") >= 1
    searched = anon_client.get("/services", params={"q": "营业执照"})
    assert "企业设立登记" in searched.text
    guide = anon_client.get(f"/services/items/{FOOD}")
    assert guide.status_code == 200
    assert "免提交：调用电子证照（营业执照）" in guide.text
    assert f"/services/apply/item/{FOOD}" in guide.text
    assert "四个减" in guide.text
    police = anon_client.get("/services/items/510100-07-police-002")
    assert "免提交：由市公安局共享" in police.text
    bundle = anon_client.get("/services/bundles/yjs-restaurant")
    assert bundle.status_code == 200
    assert "免提交：由前序事项「企业设立登记」的办理结果自动取得" in bundle.text
    assert "/services/apply/bundle/yjs-restaurant" in bundle.text
    missing = anon_client.get("/services/items/nothing", headers={"accept": "text/html"})
    assert missing.status_code == 404


def test_admin_editor_shows_chinese_errors_and_publishes(client: TestClient) -> None:
    page = client.get(f"/admin/catalogue/items/{FOOD}")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    text = re.search(r'<textarea id="cat-text" name="text"[^>]*>(.*?)</textarea>', page.text, re.DOTALL)
    assert text is not None
    import html

    yaml_text = html.unescape(text.group(1))
    broken = yaml_text.replace("department: market", "department: nowhere", 1)
    form = {"csrf_token": token.group(1), "expected_version": "1", "note": ""}
    refused = client.post(f"/admin/catalogue/items/{FOOD}", data=form | {"text": broken})
    assert refused.status_code == 422
    assert "部门代码 nowhere 不在部门目录中" in refused.text
    assert client.post(f"/admin/catalogue/items/{FOOD}", data=form | {"text": "code: [unclosed"}).status_code == 422
    changed = yaml_text.replace("promised_days: 5", "promised_days: 4", 1)
    saved = client.post(f"/admin/catalogue/items/{FOOD}", data=form | {"text": changed, "note": "调整"})
    assert saved.status_code == 200  # followed the redirect back to the editor
    assert "已发布「食品经营许可」第 2 版" in saved.text
    stale = client.post(
        f"/admin/catalogue/items/{FOOD}", data=form | {"text": changed.replace("promised_days: 4", "promised_days: 3")}
    )
    assert stale.status_code == 409
    assert "请刷新" in stale.text
    no_token = client.post(f"/admin/catalogue/items/{FOOD}", data={"text": changed, "expected_version": "2"})
    assert no_token.status_code == 403

"""The triage and knowledge-base JSON API (mounted here until the composition root includes the routers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from triage_actors import ADMIN, CITIZEN

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.web import deps as web_deps


def _client(settings: Settings, actor: object) -> Iterator[TestClient]:
    app = create_app(settings)
    paths = set(app.openapi()["paths"])
    assert {"/api/hotline/kb/articles", "/api/hotline/triage"} <= paths, "the hotline API mounts triage and the KB"
    app.dependency_overrides[web_deps.get_actor] = lambda: actor
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


@pytest.fixture
def admin(settings: Settings) -> Iterator[TestClient]:
    yield from _client(settings, ADMIN)


@pytest.fixture
def citizen(settings: Settings) -> Iterator[TestClient]:
    yield from _client(settings, CITIZEN)


def test_triage_endpoint_answers_consultations(admin: TestClient) -> None:
    complaint = admin.post("/api/hotline/triage", json={"text": "武侯区玉林街道芳华街的路灯坏了三天了"})
    assert complaint.status_code == 200
    body = complaint.json()
    assert body["result"]["department"] == "urban"
    assert body["result"]["district_code"] == "510107"
    assert body["answer"] is None
    question = admin.post("/api/hotline/triage", json={"text": "请问居住证怎么办理"}).json()
    assert question["result"]["type"] == "咨询"
    assert question["answer"]["slug"] == "residence-permit"


def test_bad_triage_requests_are_422(admin: TestClient) -> None:
    assert admin.post("/api/hotline/triage", json={"text": ""}).status_code == 422
    assert admin.post("/api/hotline/triage", json={"text": "路灯坏了", "lon": 300}).status_code == 422
    response = admin.post("/api/hotline/triage", json={"text": "路灯坏了", "lon": 104.0})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "lat"


def test_corrections_and_retraining_over_http(admin: TestClient, citizen: TestClient) -> None:
    text = "我们小区里面堆了好多废弃的共享单车，占着通道好久了"
    created = admin.post("/api/hotline/triage/corrections", json={"text": text, "category": "110101"})
    assert created.status_code == 201
    assert created.json()["department"] == "civil"
    assert admin.get("/api/hotline/triage/corrections").json()["total"] == 1
    assert citizen.post("/api/hotline/triage/corrections", json={"text": text, "urgency": "紧急"}).status_code == 404
    trained = admin.post("/api/hotline/triage/models")
    assert trained.status_code == 201
    assert trained.json()["corrections"] == 1
    assert [m["version"] for m in admin.get("/api/hotline/triage/models").json()] == [trained.json()["version"]]
    after = admin.post("/api/hotline/triage", json={"text": text}).json()
    assert after["result"]["category"] == "110101"
    assert after["result"]["model_version"] == trained.json()["version"]


def test_knowledge_base_over_http(admin: TestClient, citizen: TestClient) -> None:
    article = {
        "slug": "night-market",
        "title": "夜市摊位如何申请",
        "department": "urban",
        "keywords": ["夜市", "摆摊"],
        "answer": "夜间经济示范点的摊位由所在街道统一规划，请向街道综合执法中队咨询。",
        "source": "项目编写示例",
    }
    created = admin.post("/api/hotline/kb/articles", json=article)
    assert created.status_code == 201
    article_id = created.json()["id"]
    assert admin.post("/api/hotline/kb/articles", json=article).status_code == 409
    assert citizen.post("/api/hotline/kb/articles", json={**article, "slug": "other"}).status_code == 403
    bad = admin.post("/api/hotline/kb/articles", json={**article, "slug": "x2", "department": "nasa"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "department"

    listed = citizen.get("/api/hotline/kb/articles", params={"q": "夜市", "page_size": 5}).json()
    assert (listed["total"], listed["items"][0]["slug"]) == (1, "night-market")
    assert citizen.get(f"/api/hotline/kb/articles/{article_id}").json()["title"] == "夜市摊位如何申请"
    assert citizen.get("/api/hotline/kb/articles/99999").status_code == 404
    assert citizen.get("/api/hotline/kb/answer", params={"q": "请问夜市摆摊怎么申请"}).json()["slug"] == "night-market"

    change = {**article, "title": "夜市摊位申请", "version": 1}
    del change["slug"]
    assert admin.put(f"/api/hotline/kb/articles/{article_id}", json=change).status_code == 200
    assert admin.put(f"/api/hotline/kb/articles/{article_id}", json=change).status_code == 409

    exported = citizen.get("/api/hotline/kb/articles.csv", params={"q": "夜市"})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "夜市摊位申请" in exported.text

    assert admin.delete(f"/api/hotline/kb/articles/{article_id}", params={"version": 2}).status_code == 204
    assert admin.get("/api/hotline/kb/articles", params={"page": 0}).status_code == 422

"""The /api/policies routes: 422 pointing at line and variable, simulate/publish, explain, access by scope."""

from __future__ import annotations

import polars as pl
import pytest

from yiwang.app import create_app
from yiwang.kernel.actor import SYSTEM_ACTOR, Actor
from yiwang.policies import profiles, services
from yiwang.registry import snapshots
from yiwang.web import deps as web_deps

YAML = {"content-type": "application/yaml"}
SOURCE = (services.DATA_DIR / "cd-first-upscale-construction.yaml").read_text(encoding="utf-8")


def test_saving_an_invalid_policy_answers_422_with_line_and_variable(client):
    bad = SOURCE.replace("first_time_reaching(revenue, threshold)", "first_time_reaching(revenu, threshold)")
    response = client.post("/api/policies", content=bad.encode(), headers=YAML)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["variable"] == "revenu"
    assert detail["line"] > 1
    assert detail["message"].startswith(f"第 {detail['line']} 行")


def test_save_simulate_publish_and_explain(client, session, as_of):
    saved = client.post("/api/policies", content=SOURCE.encode(), headers=YAML)
    assert saved.status_code == 201, saved.text
    simulated = client.post(
        "/api/policies/cd-first-upscale-construction/simulate",
        json={"overrides": {"threshold": 1000000}, "as_of": as_of.isoformat()},
    )
    assert simulated.status_code == 200
    assert simulated.json()["overrides"] == {"threshold": 1000000}
    published = client.post("/api/policies/cd-first-upscale-construction/versions/1/publish", json={})
    assert published.status_code == 200, published.text
    assert client.post("/api/policies/cd-first-upscale-construction/versions/1/publish", json={}).status_code == 409
    assert client.post("/api/policies/match", json={"as_of": as_of.isoformat()}).status_code == 200
    frame = profiles.compute(snapshots.database_frames(session, kind="enterprise"), kind="enterprise", as_of=as_of)
    code = frame.filter(pl.col("industry_section") == "E")["subject_code"][0]
    explained = client.get(
        f"/api/policies/cd-first-upscale-construction/explain/{code}", params={"as_of": as_of.isoformat()}
    )
    assert explained.status_code == 200
    assert any("属于建筑业" in line for line in explained.json()["lines"])
    mine = client.get(f"/api/policies/subjects/{code}/matches", params={"as_of": as_of.isoformat()})
    assert mine.status_code == 200
    assert mine.json()[0]["policy_id"] == "cd-first-upscale-construction"
    assert client.get("/api/policies/subjects/123/matches").status_code == 422


@pytest.fixture
def agent_client(settings, session):
    services.publish_shipped(session, actor=SYSTEM_ACTOR)
    codes = snapshots.database_frames(session, kind="enterprise")["subjects"]["subject_code"].head(2).to_list()
    agent = Actor(
        id="agent",
        department=None,
        role="enterprise_agent",
        roles=frozenset({"enterprise_agent"}),
        enterprise_uscc=codes[0],
    )
    app = create_app(settings)
    app.dependency_overrides[web_deps.get_actor] = lambda: agent
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c, codes
    app.state.engine.dispose()


def test_an_enterprise_agent_sees_only_its_own_enterprise(agent_client):
    c, (own, other) = agent_client
    assert c.get(f"/api/policies/subjects/{own}/matches").status_code == 200
    assert c.get(f"/api/policies/subjects/{other}/matches").status_code == 404
    assert c.get(f"/api/policies/hrss-retention-training-subsidy/explain/{other}").status_code == 404
    assert c.post("/api/policies/match", json={}).status_code in {403, 404}
    assert c.post("/api/policies", content=SOURCE.encode(), headers=YAML).status_code in {403, 404}

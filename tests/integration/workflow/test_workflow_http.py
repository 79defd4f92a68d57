"""The workflow API (/api/workflow) and pages (/work) over HTTP, acting as different people."""

import pytest
from fastapi.testclient import TestClient
from wf_helpers import DISPATCHER, OPERATOR, WATER, actor

from yiwang.workflow import services
from yiwang.workflow.calendar import build_calendar

ADMIN = actor("admin-01", "platform")


@pytest.fixture(autouse=True)
def _calendar_beyond_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """These requests run on the real clock: cover later years (weekdays only) so deadlines stay computable."""
    future = build_calendar({"years": {year: {} for year in range(2027, 2040)}})
    monkeypatch.setattr(services, "get_calendar", lambda _holidays_file=None: future)


def start(client: TestClient) -> dict:  # type: ignore[type-arg]
    response = client.post(
        "/api/workflow/instances",
        json={"definition_key": "appeal", "subject_ref": "appeal:web-1", "title": "路灯不亮", "priority": 1},
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_api_definitions_instances_actions_and_conflicts(wf_client: TestClient, as_actor) -> None:  # type: ignore[no-untyped-def]
    as_actor(OPERATOR)
    keys = {d["key"] for d in wf_client.get("/api/workflow/definitions").json()}
    assert keys == {"appeal", "bundle", "incident"}
    body = wf_client.get("/api/workflow/definitions/appeal").json()["body"]
    assert body["states"]["受理"]["label"] == "待受理"
    created = start(wf_client)
    instance_id, seen = created["id"], created["version"]
    accepted = wf_client.post(f"/api/workflow/instances/{instance_id}/actions/accept", json={"expected_version": seen})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["instance"]["state"] == "派单"
    stale = wf_client.post(f"/api/workflow/instances/{instance_id}/actions/accept", json={"expected_version": seen})
    assert stale.status_code == 409
    assert stale.json()["detail"][0]["message"] == "该事项已被他人处理，请刷新后重试"
    as_actor(DISPATCHER)
    version = wf_client.get(f"/api/workflow/instances/{instance_id}").json()["instance"]["version"]
    missing_unit = wf_client.post(
        f"/api/workflow/instances/{instance_id}/actions/dispatch", json={"expected_version": version}
    )
    assert missing_unit.status_code == 422
    assert missing_unit.json()["detail"][0] == {
        "code": "invalid",
        "message": "「派单」须选择主办单位",
        "field": "assignee_unit",
    }
    unknown = wf_client.post(f"/api/workflow/instances/{instance_id}/actions/fly", json={"expected_version": version})
    assert unknown.status_code == 422
    assert "派单（dispatch）" in unknown.json()["detail"][0]["message"]
    dispatched = wf_client.post(
        f"/api/workflow/instances/{instance_id}/actions/dispatch",
        json={"expected_version": version, "assignee_unit": "power"},
    )
    assert dispatched.status_code == 200
    assert "TaskDispatched" in dispatched.json()["events"]
    as_actor(WATER)
    hidden = wf_client.post(
        f"/api/workflow/instances/{instance_id}/actions/sign",
        json={"expected_version": dispatched.json()["instance"]["version"]},
    )
    # Dispatched to another department: outside WATER's data scope, so it is "not found" rather than refused.
    assert hidden.status_code == 404
    queue = wf_client.get("/api/workflow/queue", params={"tab": "todo"}).json()
    assert queue["total"] == 0
    as_actor(DISPATCHER)
    done = wf_client.get("/api/workflow/queue", params={"tab": "done"}).json()
    assert [item["id"] for item in done["items"]] == [instance_id]


def test_publishing_a_definition_over_the_api(wf_client: TestClient, as_actor) -> None:  # type: ignore[no-untyped-def]
    yaml_text = """
key: permit
name: 临时占道许可
roles: {clerk: 窗口}
states:
  受理:
    time_limit: {amount: 3, unit: working_days}
    on_timeout: escalate
    actions:
      - {name: approve, label: 准予许可, to: 办结, roles: [clerk]}
  办结: {kind: end}
"""
    as_actor(WATER)
    assert wf_client.post("/api/workflow/definitions", content=yaml_text).status_code == 403
    as_actor(ADMIN)
    published = wf_client.post("/api/workflow/definitions", content=yaml_text)
    assert published.status_code == 201, published.text
    assert (published.json()["key"], published.json()["version"]) == ("permit", 1)
    broken = wf_client.post("/api/workflow/definitions", content=yaml_text.replace("to: 办结", "to: 办结x"))
    assert broken.status_code == 422
    assert "states.受理.actions[0].to: 未知状态 办结x" in broken.json()["detail"][0]["message"]


def test_pages_queue_instance_forms_and_conflict_message(wf_client: TestClient, as_actor) -> None:  # type: ignore[no-untyped-def]
    as_actor(OPERATOR)
    created = start(wf_client)
    instance_id = created["id"]
    page = wf_client.get("/work")
    assert page.status_code == 200
    for text in ("我的工作台", "路灯不亮", "紧急"):
        assert text in page.text
    assert wf_client.get("/work", params={"tab": "done", "q": "路灯"}).status_code == 200
    detail = wf_client.get(f"/work/instances/{instance_id}")
    assert detail.status_code == 200
    assert "剩余办理时间" in detail.text or "已超过时限" in detail.text
    assert f'action="/work/instances/{instance_id}/actions/accept"' in detail.text
    assert f'name="expected_version" value="{created["version"]}"' in detail.text
    posted = wf_client.post(
        f"/work/instances/{instance_id}/actions/accept",
        data={"expected_version": str(created["version"])},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    followed = wf_client.get(posted.headers["location"])
    assert "已完成「受理」" in followed.text
    again = wf_client.post(
        f"/work/instances/{instance_id}/actions/accept", data={"expected_version": str(created["version"])}
    )
    assert again.status_code == 409
    assert "该事项已被他人处理，请刷新后重试" in again.text
    as_actor(DISPATCHER)
    form = wf_client.get(f"/work/instances/{instance_id}").text
    assert 'name="assignee_unit"' in form
    as_actor(actor("edu-09", "teacher", "edu"))
    assert wf_client.get(f"/work/instances/{instance_id}").status_code == 404

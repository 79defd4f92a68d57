"""The 一网通办 HTTP API per role: start with pre-fill, autosave (409 when stale), submit (422 field by field, 秒批),
the department queue with filters, paging and CSV, accept / 补正 / approve / reject with 409 on a concurrent
decision, 告知承诺 post-checks, 好差评 and 四个减, and who may see what (another applicant or department: 404,
someone else's item: 403, leaders: their area)."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from onestop_helpers import DRIVER_ID, NOVICE_ID, PDF, agent, citizen, staff

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.identity.scopes import process_roles
from yiwang.kernel.actor import Actor
from yiwang.web import deps as web_deps

RIDE_HAILING = "510100-01-transport-002"
FREIGHT = "510100-01-transport-001"
RIDE_FORM = {"applicant_phone": "13900001111", "platform_company": "蓉城出行", "exam_passed": True}
DRIVER = citizen(DRIVER_ID)
NOVICE = citizen(NOVICE_ID, username="citizen.novice")
TRANSPORT = staff("transport")


def leader(username: str, district: str | None) -> Actor:
    """A leader account (city-wide without a district)."""
    return Actor(
        id=username,
        department=None,
        role="leader",
        display_name="领导",
        roles=frozenset({"leader", *process_roles("leader", [], None)}),
        district_code=district,
    )


class Api:
    """A test client whose requests act as whoever ``as_`` names last."""

    def __init__(self, app: FastAPI, client: TestClient) -> None:
        self.app, self.client = app, client

    def as_(self, actor: Actor) -> TestClient:
        self.app.dependency_overrides[web_deps.get_actor] = lambda: actor
        self.app.dependency_overrides[web_deps.get_optional_actor] = lambda: actor
        return self.client


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    app = create_app(settings)
    with TestClient(app) as client:
        yield Api(app, client)
    app.state.engine.dispose()


def _start(api: Api, actor: Actor, **body: str) -> dict[str, Any]:
    response = api.as_(actor).post("/api/onestop/applications", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _submit(api: Api, actor: Actor, application_id: int, form: dict[str, Any]) -> dict[str, Any]:
    response = api.as_(actor).post(f"/api/onestop/applications/{application_id}/submit", json={"form_data": form})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _manual(api: Api, actor: Actor = NOVICE) -> dict[str, Any]:
    """A ride-hailing application that 秒批 sends to the department (the novice has held a licence < 3 years; the
    driver has not passed the exam)."""
    draft = _start(api, actor, item_code=RIDE_HAILING)
    return _submit(api, actor, draft["id"], {**RIDE_FORM, "exam_passed": actor is NOVICE})


def _decide(api: Api, actor: Actor, application_id: int, action: str, **body: Any) -> Any:
    return api.as_(actor).post(
        f"/api/onestop/applications/{application_id}/{action}", json={"item_code": RIDE_HAILING, **body}
    )


def test_start_save_and_submit_with_field_errors_then_instant_approval(api: Api) -> None:
    both = api.as_(DRIVER).post("/api/onestop/applications", json={"item_code": RIDE_HAILING, "bundle_code": "x"})
    assert both.status_code == 422
    assert "二选一" in both.json()["detail"][0]["message"]
    unknown = api.as_(DRIVER).post("/api/onestop/applications", json={"item_code": "no-such-item"})
    assert unknown.status_code == 404
    clerk = api.as_(TRANSPORT).post("/api/onestop/applications", json={"item_code": RIDE_HAILING})
    assert clerk.status_code == 403

    draft = _start(api, DRIVER, item_code=RIDE_HAILING)
    assert draft["status"] == "draft"
    prefilled = {p["field"]: p for p in draft["prefilled"]}
    assert prefilled["applicant_name"]["value"] == "王建国"
    assert prefilled["applicant_name"]["source_label"].startswith("由")
    assert draft["applicant_id_number"] != DRIVER_ID
    assert "*" in draft["applicant_id_number"]  # masked even for the applicant
    assert all(m["status"] == "waived" and m["waived_reason"].startswith("免提交") for m in draft["materials"])
    assert "platform_company" in draft["ask_fields"]

    path = f"/api/onestop/applications/{draft['id']}"
    saved = api.as_(DRIVER).put(
        f"{path}/draft",
        json={"form_data": {"platform_company": "蓉城出行", "not_a_field": "x"}, "expected_version": draft["version"]},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["form_data"]["platform_company"] == "蓉城出行"
    assert "not_a_field" not in saved.json()["form_data"]
    stale = api.as_(DRIVER).put(
        f"{path}/draft", json={"form_data": {"platform_company": "别的"}, "expected_version": draft["version"]}
    )
    assert stale.status_code == 409
    assert "刷新" in stale.json()["detail"][0]["message"]

    bad = api.as_(DRIVER).post(
        f"{path}/submit",
        json={"form_data": {"applicant_phone": "123", "platform_company": "x" * 200, "exam_passed": "是"}},
    )
    assert bad.status_code == 422
    errors = {e["field"]: e["message"] for e in bad.json()["detail"]}
    assert errors == {
        "form_data.applicant_phone": "「联系电话」格式不正确",
        "form_data.exam_passed": "「已通过全国公共科目和区域科目考试」应为是/否",
        "form_data.platform_company": "「拟服务网约车平台」不能超过 128 个字",
    }
    still = api.as_(DRIVER).get(path).json()
    assert (still["status"], still["workflow_instance_id"]) == ("draft", None)  # nothing was started

    done = _submit(api, DRIVER, draft["id"], RIDE_FORM)
    assert (done["status"], done["outcome"]) == ("completed", "approved")
    assert done["item_rows"][0]["instant"] is True
    assert len(done["certificates"]) == 1
    again = _submit(api, DRIVER, draft["id"], RIDE_FORM)  # a retry returns the same application
    assert again["certificates"] == done["certificates"]

    mine = api.as_(DRIVER).get("/api/onestop/applications", params={"status": "completed"}).json()
    assert [a["id"] for a in mine["items"]] == [draft["id"]]
    assert api.as_(DRIVER).get("/api/onestop/applications", params={"status": "draft"}).json()["total"] == 0
    rated = api.as_(DRIVER).post(f"{path}/rating", json={"level": 5, "comment": "秒批很快"})
    assert rated.status_code == 201, rated.text
    assert api.as_(DRIVER).get(path).json()["can_rate"] is False
    figures = api.as_(TRANSPORT).get(f"/api/onestop/savings/{RIDE_HAILING}").json()
    assert figures["completed_applications"] == 1
    assert figures["trips"]["actual"] == 0


def test_uploads_are_checked_by_content_and_size(api: Api) -> None:
    company = agent()
    draft = _start(api, company, item_code=FREIGHT)
    needed = next(m["code"] for m in draft["materials"] if m["status"] == "needed")
    url = f"/api/onestop/applications/{draft['id']}/materials/{needed}"
    client = api.as_(company)
    fake = client.post(url, files={"file": ("a.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")})
    assert fake.status_code == 422
    assert fake.json()["detail"][0]["field"] == "file"
    exe = client.post(url, files={"file": ("a.exe", b"MZ\x90\x00", "application/x-msdownload")})
    assert exe.status_code == 422
    assert "PDF" in exe.json()["detail"][0]["message"]
    good = client.post(url, files={"file": ("../证明.pdf", PDF, "application/pdf")})
    assert good.status_code == 200, good.text
    assert (good.json()["status"], good.json()["file_name"]) == ("uploaded", "证明.pdf")
    other = api.as_(DRIVER).post(url, files={"file": ("a.pdf", PDF, "application/pdf")})
    assert other.status_code == 404
    unsigned = api.as_(company).post(
        f"/api/onestop/applications/{draft['id']}/commitments", json={"item_code": FREIGHT, "agree": False}
    )
    assert unsigned.status_code == 422
    assert unsigned.json()["detail"][0]["field"] == "agree"


def test_queue_filters_pages_searches_and_exports_csv(api: Api) -> None:
    first = _manual(api, NOVICE)
    second = _manual(api, DRIVER)
    assert second["item_rows"][0]["status"] == "pending"
    _start(api, DRIVER, item_code=RIDE_HAILING)  # a draft is never in a queue

    clerk = api.as_(TRANSPORT)
    queue = clerk.get("/api/onestop/queue").json()
    assert queue["total"] == 2
    assert {a["applicant_name"] for a in queue["items"]} == {"李**", "王**"}  # masked for the department
    paged = clerk.get("/api/onestop/queue", params={"page_size": 1, "page": 2}).json()
    assert (paged["total"], len(paged["items"]), paged["pages"]) == (2, 1, 2)
    found = clerk.get("/api/onestop/queue", params={"q": first["number"]}).json()
    assert [a["id"] for a in found["items"]] == [first["id"]]
    assert clerk.get("/api/onestop/queue", params={"code": FREIGHT}).json()["total"] == 0
    _decide(api, TRANSPORT, first["id"], "accept")
    pending = clerk.get("/api/onestop/queue", params={"status": "pending"}).json()
    assert [a["id"] for a in pending["items"]] == [second["id"]]
    accepted = clerk.get("/api/onestop/queue", params={"status": "accepted"}).json()
    assert [a["id"] for a in accepted["items"]] == [first["id"]]
    assert clerk.get("/api/onestop/queue", params={"status": "bogus"}).status_code == 422
    assert clerk.get("/api/onestop/queue", params={"page_size": 1000}).status_code == 422

    exported = clerk.get("/api/onestop/queue.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    text = exported.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["申请编号", "事项/一件事", "申请人"]
    assert sorted(r[0] for r in rows[1:]) == sorted([first["number"], second["number"]])
    assert "王建国" not in text
    assert "李新手" not in text
    assert len(list(csv.reader(io.StringIO(clerk.get("/api/onestop/queue.csv?status=pending").text)))) == 2

    assert api.as_(staff("tax")).get("/api/onestop/queue").json()["total"] == 0


def test_decisions_correction_and_conflicts(api: Api) -> None:
    app = _manual(api)
    app_id = app["id"]
    too_early = _decide(api, TRANSPORT, app_id, "approve")
    assert too_early.status_code == 409
    no_reason = _decide(api, TRANSPORT, app_id, "reject")
    assert no_reason.status_code == 422
    assert no_reason.json()["detail"][0]["field"] == "reason"

    accepted = _decide(api, TRANSPORT, app_id, "accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["application"]["item_rows"][0]["status"] == "accepted"
    twice = _decide(api, TRANSPORT, app_id, "accept")
    assert twice.status_code == 409

    bad_field = _decide(api, TRANSPORT, app_id, "correction", reason="请补充", fields=["nope"])
    assert bad_field.status_code == 422
    assert bad_field.json()["detail"][0]["field"] == "fields"
    asked = _decide(api, TRANSPORT, app_id, "correction", reason="请核对联系电话", fields=["applicant_phone"])
    assert asked.status_code == 200, asked.text
    assert asked.json()["application"]["status"] == "correction"
    locked = api.as_(NOVICE).post(
        f"/api/onestop/applications/{app_id}/submit", json={"form_data": {"platform_company": "改了"}}
    )
    assert locked.status_code == 422
    assert "只能修改" in locked.json()["detail"][0]["message"]
    back = _submit(api, NOVICE, app_id, {"applicant_phone": "13900009999"})
    assert (back["status"], back["item_rows"][0]["status"]) == ("submitted", "accepted")

    # Two clerks approve at the same moment: one wins, the other is told someone acted first.
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def approve(clerk: Actor) -> None:
        with TestClient(api.app) as own:
            api.app.dependency_overrides[web_deps.get_actor] = lambda: clerk
            barrier.wait()
            response = own.post(f"/api/onestop/applications/{app_id}/approve", json={"item_code": RIDE_HAILING})
            codes.append(response.status_code)

    clerks = [staff("transport", username="staff.transport.a"), staff("transport", username="staff.transport.b")]
    threads = [threading.Thread(target=approve, args=(c,)) for c in clerks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 409]
    final = api.as_(NOVICE).get(f"/api/onestop/applications/{app_id}").json()
    assert (final["status"], final["outcome"]) == ("completed", "approved")
    assert len(final["certificates"]) == 1
    assert [e["action"] for e in final["timeline"]].count("approve") == 1


def test_scope_other_applicants_departments_and_leaders(api: Api) -> None:
    app = _manual(api, DRIVER)
    path = f"/api/onestop/applications/{app['id']}"
    assert api.as_(NOVICE).get(path).status_code == 404  # another applicant: it does not exist for them
    assert api.as_(NOVICE).post(f"{path}/submit", json={}).status_code == 404
    assert api.as_(staff("tax")).get(path).status_code == 404  # a department without an item in it
    assert _decide(api, staff("tax"), app["id"], "accept").status_code == 404
    seen = api.as_(TRANSPORT).get(path).json()
    assert seen["applicant_name"] == "王**"
    assert "*" in seen["applicant_id_number"]
    assert api.as_(TRANSPORT).post(f"{path}/submit", json={}).status_code == 403  # only the applicant submits

    wuhou = leader("leader.wuhou", "510107")  # the driver lives in 武侯区
    jinjiang = leader("leader.jinjiang", "510104")
    city = leader("leader.city", None)
    assert api.as_(wuhou).get(path).status_code == 200
    assert [a["id"] for a in api.as_(wuhou).get("/api/onestop/queue").json()["items"]] == [app["id"]]
    assert api.as_(jinjiang).get(path).status_code == 404
    assert api.as_(jinjiang).get("/api/onestop/queue").json()["total"] == 0
    assert api.as_(city).get("/api/onestop/queue").json()["total"] == 1
    assert _decide(api, wuhou, app["id"], "accept").status_code == 403  # leaders see, departments decide


def test_bundle_item_of_another_department_is_forbidden(api: Api) -> None:
    company = agent()
    draft = _start(api, company, bundle_code="yjs-restaurant")
    path = f"/api/onestop/applications/{draft['id']}"
    departments = {i["department_code"]: i["item_code"] for i in draft["item_rows"]}
    assert {"market", "tax"} <= set(departments)
    # 锦程餐饮 is a legal person: its name is not personal data and stays readable for the departments.
    market = staff("market")
    assert api.as_(market).get(path).json()["applicant_name"] == "成都锦程餐饮管理有限公司"
    assert api.as_(staff("civil")).get(path).status_code == 404
    # The tax item is the tax bureau's: the market regulator may see the bundle but not decide that item.
    response = api.as_(market).post(f"{path}/accept", json={"item_code": departments["tax"]})
    assert response.status_code == 403
    assert "不能处理" in response.json()["detail"][0]["message"]


def test_post_checks_over_http(api: Api) -> None:
    company = agent()
    draft = _start(api, company, item_code=FREIGHT)
    path = f"/api/onestop/applications/{draft['id']}"
    signed = api.as_(company).post(f"{path}/commitments", json={"item_code": FREIGHT, "agree": True})
    assert signed.status_code == 200, signed.text
    read = api.as_(company).get(path).json()
    for m in read["materials"]:
        if m["required"] and m["status"] == "needed":
            api.as_(company).post(f"{path}/materials/{m['code']}", files={"file": ("m.pdf", PDF, "application/pdf")})
    form = {**read["form_data"], **_answers(read["form_schema"], read["form_data"])}
    submitted = api.as_(company).post(f"{path}/submit", json={"form_data": form})
    assert submitted.status_code == 200, submitted.text
    client = api.as_(TRANSPORT)
    assert client.post(f"{path}/accept", json={"item_code": FREIGHT}).status_code == 200
    assert client.post(f"{path}/approve", json={"item_code": FREIGHT}).status_code == 200
    checks = client.get("/api/onestop/post-checks").json()
    assert checks["total"] == 1
    check_id = checks["items"][0]["id"]
    assert api.as_(staff("market")).get("/api/onestop/post-checks").json()["total"] == 0
    assert api.as_(company).get("/api/onestop/post-checks").status_code == 403
    own = api.as_(company).post(
        f"/api/onestop/post-checks/{check_id}", json={"truthful": True, "finding": "本人承诺属实"}
    )
    assert own.status_code == 403  # the applicant owns the application, not its check
    client = api.as_(TRANSPORT)
    short = client.post(f"/api/onestop/post-checks/{check_id}", json={"truthful": True, "finding": "好"})
    assert short.status_code == 422
    done = client.post(f"/api/onestop/post-checks/{check_id}", json={"truthful": True, "finding": "现场核查属实"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "confirmed"
    again = client.post(f"/api/onestop/post-checks/{check_id}", json={"truthful": False, "finding": "再次核查"})
    assert again.status_code == 409
    confirmed = client.get("/api/onestop/post-checks", params={"status": "confirmed"})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["total"] == 1


def _answers(schema: dict[str, Any], have: dict[str, Any]) -> dict[str, Any]:
    """Answers for the required fields the pre-fill left empty."""
    answers: dict[str, Any] = {}
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name in have:
            continue
        spec = properties[name]
        if "enum" in spec:
            answers[name] = spec["enum"][0]
        elif spec.get("type") == "array":
            answers[name] = [spec["items"]["enum"][0]] if "enum" in spec.get("items", {}) else ["一"]
        elif spec.get("type") in {"number", "integer"}:
            answers[name] = 3
        elif spec.get("type") == "boolean":
            answers[name] = True
        elif "1[0-9]{10}" in spec.get("pattern", ""):
            answers[name] = "13900004444"
        elif "[0-9]{17}" in spec.get("pattern", ""):
            answers[name] = DRIVER_ID
        elif "pattern" in spec:
            answers[name] = "6228480402564890018"
        else:
            answers[name] = "测试填写"
    return answers

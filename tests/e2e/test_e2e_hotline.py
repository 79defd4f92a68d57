"""12345 接诉即办 over HTTP, each role with its own account and bearer token, the real triage model and the
city's geo master data: record a call → triage → catalogue routing → 签收 → 退单 → 改派 → 签收 → 办结反馈 →
审核 → 回访 不满意 (重办) → reply again → 回访 满意 and 好差评; 并单, 转接, idempotent submits, 409, scope, CSV, 422."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.geo import services as geo_services
from yiwang.identity import services as identity_services
from yiwang.identity.schemas import AccountCreate
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import Actor
from yiwang.kernel.identifiers import id_check_char
from yiwang.notify.models import OutboxMessage
from yiwang.ratings import services as ratings_services
from yiwang.registry import services as registry_services
from yiwang.workflow import services as workflow_services

ADMIN = Actor(id="e2e-setup", department="cityops", role="platform_admin", roles=frozenset({"platform_admin"}))
ACCOUNTS = {
    "operator": ("operator.12345", Role.HOTLINE_OPERATOR, "cityops"),
    "dispatcher": ("dispatcher.12345", Role.DISPATCHER, "cityops"),
    "police": ("staff.police", Role.DEPARTMENT_STAFF, "police"),
    "urban": ("staff.urban", Role.DEPARTMENT_STAFF, "urban"),
    "housing": ("staff.housing", Role.DEPARTMENT_STAFF, "housing"),
    "leader": ("leader.city", Role.LEADER, None),
    "citizen": ("citizen.web", Role.CITIZEN, None),
}
CITIZEN_ID = "51010719900307002" + id_check_char("51010719900307002")
NOISE_CALL: dict[str, Any] = {
    "channel": "phone",
    "reporter_name": "李四光",
    "reporter_phone": "13800138000",
    "occurred_at": "2026-11-27T15:30:00Z",
    "address": "武侯区浆洗街街道洗面桥街8号",
    "lon": 104.05,
    "lat": 30.63,
    "cause": "楼上邻居装修",
    "content": "楼上邻居每天深夜装修噪音扰民，电钻声音到凌晨一点，已经持续一周，严重影响休息",
}


def _prepare(url: str) -> None:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        geo_services.load_master_data(session, settings=Settings(database_url=url, grid_cell_m=5000))
        registry_services.load_departments(session)
        workflow_services.ensure_builtin_definitions(session)
    engine.dispose()


@pytest.fixture
def db_url(db_factory: Any) -> Iterator[str]:
    """The city's divisions, grids, departments and published processes (built once, cloned per test)."""
    url = db_factory.clone(db_factory.template("hotline_city", prepare=_prepare))
    yield url
    db_factory.release(url)


class City:
    """The app and one HTTP client per role, each sending its own account's bearer token."""

    def __init__(self, app: Any, session: Session, tokens: dict[str, str]) -> None:
        self.app, self.session, self.tokens = app, session, tokens
        self.clients: dict[str, TestClient] = {}

    def __getitem__(self, role: str) -> TestClient:
        if role not in self.clients:
            client = TestClient(self.app)
            client.headers["Authorization"] = f"Bearer {self.tokens[role]}"
            self.clients[role] = client
        return self.clients[role]

    def act(self, role: str, appeal: dict[str, Any], action: str, status: int = 200, **body: Any) -> dict[str, Any]:
        response = self[role].post(
            f"/api/hotline/appeals/{appeal['id']}/{action}", json={"expected_version": appeal["version"], **body}
        )
        assert response.status_code == status, response.text
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
def city(settings: Settings, session: Session) -> Iterator[City]:
    tokens = {}
    for role, (username, account_role, department) in ACCOUNTS.items():
        identity_services.create_account(
            session,
            actor=ADMIN,
            data=AccountCreate(
                username=username,
                display_name=username,
                role=account_role,
                department_code=department,
                person_id_number=CITIZEN_ID if account_role is Role.CITIZEN else None,
            ),
        )
        tokens[role] = identity_services.create_api_token(
            session, actor=ADMIN, username=username, name="e2e"
        ).access_token
    app = create_app(settings)
    with TestClient(app):  # runs the start-up (subscriptions) once
        town = City(app, session, tokens)
        yield town
        for client in town.clients.values():
            client.close()
    app.state.engine.dispose()


def _sms(session: Session, phone: str) -> list[str]:
    session.expire_all()
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == phone).order_by(OutboxMessage.id))
    return [row.template_key for row in rows]


def test_call_to_rating_through_return_redispatch_and_reopen(city: City) -> None:  # noqa: PLR0915 - one journey
    created = city["operator"].post("/api/hotline/appeals", json=NOISE_CALL, headers={"Idempotency-Key": "c-1"})
    assert created.status_code == 201, created.text
    appeal = created.json()
    # Triage filled what the operator left out; the pin placed it; the catalogue routed it (noise → police leads,
    # the street office assists); the reporter is masked on every read.
    assert appeal["number"].startswith("12345-")
    assert appeal["category"] == "100201"
    assert appeal["suggestion"]["department"] == "police"
    assert (appeal["district_code"], appeal["street_code"]) == ("510107", "510107001")
    assert (appeal["department"], appeal["assist_units"]) == ("police", ["510107001"])
    assert appeal["appeal_type"] == "投诉"
    assert appeal["state"] == "签收"
    assert (appeal["reporter_name"], appeal["reporter_phone"]) == ("李**", "138****8000")
    assert appeal["created"] is True

    again = city["operator"].post("/api/hotline/appeals", json=NOISE_CALL, headers={"Idempotency-Key": "c-1"})
    assert again.status_code == 200, again.text
    assert (again.json()["id"], again.json()["created"]) == (appeal["id"], False)
    assert city["operator"].get("/api/hotline/appeals").json()["total"] == 1

    # The police sign, then find it is construction noise inside a flat (城管) and return it within 2 working days.
    queue = city["police"].get("/api/hotline/appeals", params={"state": "签收"}).json()
    assert [item["id"] for item in queue["items"]] == [appeal["id"]]
    appeal = city.act("police", appeal, "sign")
    assert appeal["state"] == "办理"
    no_reason = city.act("police", appeal, "return", status=422)
    assert no_reason["detail"][0]["message"]
    returned = city.act("police", appeal, "return", reason="属装修施工噪音，由城管部门负责")
    assert returned["state"] == "派单"
    stale = city.act("police", appeal, "sign", status=409)  # the version the police saw before the return
    assert "已被他人修改" in stale["detail"][0]["message"] or stale["detail"][0]["code"] == "conflict"
    appeal = returned

    no_reason = city.act("dispatcher", appeal, "redispatch", status=422, lead_unit="urban")
    assert no_reason["detail"][0]["field"] == "reason"
    appeal = city.act("dispatcher", appeal, "redispatch", lead_unit="urban", reason="装修噪音改派城管")
    assert (appeal["state"], appeal["department"]) == ("签收", "urban")
    assert city["police"].get(f"/api/hotline/appeals/{appeal['id']}").status_code == 404
    assert city["housing"].get(f"/api/hotline/appeals/{appeal['id']}").status_code == 404
    assert city["housing"].get("/api/hotline/appeals").json()["total"] == 0

    appeal = city.act("urban", appeal, "sign")
    appeal = city.act("urban", appeal, "reply", comment="已上门告知住户夜间22时后禁止装修施工，住户已承诺整改。")
    assert appeal["state"] == "答复"
    appeal = city.act("dispatcher", appeal, "review", approve=True)
    assert appeal["state"] == "回访"

    # The caller says it is still noisy: 不满意 reopens the appeal for the unit (重办) and rates it badly.
    appeal = city.act("operator", appeal, "callback", satisfaction="不满意", resolved=False, note="昨晚仍在施工")
    assert (appeal["state"], appeal["reopen_count"], appeal["satisfaction"]) == ("办理", 1, "不满意")
    appeal = city.act("urban", appeal, "reply", comment="已联合社区现场检查并责令停止夜间施工，设备已暂扣。")
    appeal = city.act("dispatcher", appeal, "review", approve=True)
    appeal = city.act("operator", appeal, "callback", satisfaction="满意", rating_level=5, note="晚上安静了")
    assert (appeal["state"], appeal["status"], appeal["outcome"]) == ("办结", "closed", "办结")

    detail = city["operator"].get(f"/api/hotline/appeals/{appeal['id']}").json()
    assert [(c["round"], c["satisfaction"]) for c in detail["callbacks"]] == [(1, "不满意"), (2, "满意")]
    actions = [entry["action"] for entry in detail["timeline"]]
    for expected in ("sign", "return", "reply", "approve_reply", "revisit_unsatisfied"):
        assert expected in actions
    assert actions.count("dispatch") == 2  # 智能派单, then 改派 after the 退单
    assert actions[-1] == "revisit_satisfied"
    ratings = ratings_services.list_ratings(city.session, actor=ADMIN, department_code="urban")
    assert sorted(r.level for r in ratings.items) == [2, 5]
    assert {"hotline_accepted", "hotline_progress", "hotline_reply"} <= set(_sms(city.session, "13800138000"))


def test_duplicates_are_merged_and_every_reporter_hears_the_reply(city: City) -> None:
    first = city["operator"].post("/api/hotline/appeals", json=NOISE_CALL).json()
    second_call = {
        **NOISE_CALL,
        "reporter_name": "王五",
        "reporter_phone": "13900139000",
        "lon": 104.0503,
        "content": "楼上深夜装修电钻噪音扰民，每天到凌晨，影响休息",
    }
    second = city["operator"].post("/api/hotline/appeals", json=second_call).json()
    found = city["dispatcher"].get(
        "/api/hotline/duplicates",
        params={
            "text": second["content"],
            "category": second["category"],
            "lon": 104.0503,
            "lat": 30.63,
            "exclude_id": second["id"],
        },
    )
    assert found.status_code == 200, found.text
    assert [c["appeal_id"] for c in found.json()] == [first["id"]]
    merged = city.act("dispatcher", second, "merge", master_id=first["id"])
    assert (merged["outcome"], merged["master_number"]) == ("已并单", first["number"])
    master = city["dispatcher"].get(f"/api/hotline/appeals/{first['id']}").json()
    assert master["duplicate_count"] == 1
    assert [d["id"] for d in master["duplicates"]] == [second["id"]]

    master = city.act("police", master, "sign")
    master = city.act("police", master, "reply", comment="已现场制止夜间施工并进行法制教育。")
    city.act("dispatcher", master, "review", approve=True)
    assert "hotline_reply" in _sms(city.session, "13800138000")
    assert _sms(city.session, "13900139000") == ["hotline_accepted", "hotline_progress", "hotline_reply"]


def test_emergency_is_transferred_and_bad_input_is_a_chinese_field_error(city: City) -> None:
    emergency = {**NOISE_CALL, "content": "小区门口有人被车撞倒流血不止，快叫救护车", "cause": "交通事故"}
    appeal = city["operator"].post("/api/hotline/appeals", json=emergency).json()
    assert (appeal["status"], appeal["outcome"]) == ("closed", "转接")
    assert appeal["redirect_number"] in {"110", "120", "122"}
    assert appeal["redirect_reason"]

    # The operator decides a call is an emergency the model missed.
    fire = {
        **NOISE_CALL,
        "content": "楼道里有很浓的烟味，好像着火了",
        "redirect_number": "119",
        "redirect_reason": "疑似火情",
    }
    appeal = city["operator"].post("/api/hotline/appeals", json=fire).json()
    assert (appeal["outcome"], appeal["redirect_number"], appeal["redirect_reason"]) == ("转接", "119", "疑似火情")

    cases = [
        ({"reporter_id_number": "510107199001011234"}, "reporter_id_number"),
        ({"department": "nowhere"}, "department"),
        ({"reporter_phone": "call me"}, "reporter_phone"),
        ({"district_code": "999999"}, "district_code"),
        ({"content": "x"}, "content"),
        ({"lat": 120}, "lat"),
    ]
    for change, field in cases:
        response = city["operator"].post("/api/hotline/appeals", json={**NOISE_CALL, **change})
        assert response.status_code == 422, (change, response.text)
        errors = response.json()["detail"]
        assert errors[0]["field"] == field
        assert any("\u4e00" <= ch <= "\u9fff" for ch in errors[0]["message"]), errors
    assert city["operator"].get("/api/hotline/appeals", params={"page_size": 1000}).status_code == 422
    assert city["operator"].get("/api/hotline/appeals/999999").status_code == 404


def test_list_pages_and_csv_export(city: City) -> None:
    for n in range(3):
        call = {**NOISE_CALL, "reporter_phone": f"1380013800{n}", "content": f"{NOISE_CALL['content']}（第{n}次）"}
        assert city["operator"].post("/api/hotline/appeals", json=call).status_code == 201
    page = city["operator"].get("/api/hotline/appeals", params={"page": 2, "page_size": 2}).json()
    assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 1)
    assert city["operator"].get("/api/hotline/appeals", params={"q": "第1次"}).json()["total"] == 1

    export = city["operator"].get("/api/hotline/appeals.csv", params={"department": "police"})
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["诉求编号", "渠道", "类型"]
    assert len(rows) == 4
    assert "13800138000" not in export.text  # personal data is never exported
    assert city["housing"].get("/api/hotline/appeals.csv").text.count("\n") == 1  # header only: out of scope


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_qr_report_with_photo_over_multipart(city: City) -> None:
    form = {
        "content": "建设路人行道地砖大面积松动翘起，老人容易绊倒",
        "address": "成华区建设路88号",
        "lon": "104.105",
        "lat": "30.675",
    }
    sent = city["operator"].post(
        "/api/hotline/appeals/form", data=form, files=[("photos", ("site.png", PNG, "image/png"))]
    )
    assert sent.status_code == 201, sent.text
    appeal = sent.json()
    assert (appeal["channel"], appeal["district_code"]) == ("qr", "510108")
    detail = city["operator"].get(f"/api/hotline/appeals/{appeal['id']}").json()
    [photo] = detail["media"]
    download = city["operator"].get(f"/api/hotline/appeals/{appeal['id']}/media/{photo['id']}")
    assert download.content == PNG
    assert download.headers["x-content-type-options"] == "nosniff"

    fake = city["operator"].post(
        "/api/hotline/appeals/form", data=form, files=[("photos", ("site.png", b"MZ\x90\x00", "image/png"))]
    )
    assert fake.status_code == 422
    assert fake.json()["detail"][0] == {"code": "invalid", "message": "附件内容与声明的类型不符", "field": "media"}
    bad_channel = city["operator"].post("/api/hotline/appeals/form", data={**form, "channel": "fax"})
    assert bad_channel.status_code == 422
    assert bad_channel.json()["detail"][0]["field"] == "channel"


VAGUE = {
    "channel": "web",
    "content": "上次反映的事情到现在也没有人回复，希望有关部门重视一下",
    "reporter_phone": "13700137000",
}


def test_every_handling_route_over_http(city: City) -> None:
    catalogue = city["operator"].get("/api/hotline/routing/catalogue").json()
    assert catalogue["rules"][-1]["id"] == "default"
    limits = city["operator"].get("/api/hotline/routing/time-limits").json()
    assert limits["by_type"]["投诉"]["amount"] == 13
    assert limits["sign_within"] == {"amount": 1, "unit": "working_days"}
    preview = (
        city["operator"]
        .post("/api/hotline/preview", json={"text": NOISE_CALL["content"], "lon": 104.05, "lat": 30.63})
        .json()
    )
    assert preview["suggestion"]["category"] == "100201"
    assert preview["route"]["lead_unit"] == "police"
    assert preview["time_limit"]["amount"] == 13

    appeal = city["operator"].post("/api/hotline/appeals", json=NOISE_CALL).json()
    appeal = city.act("police", appeal, "sign")
    first_due = appeal["due_at"]
    appeal = city.act("police", appeal, "extension", amount=5, reason="需联合街道多次夜查取证")
    assert appeal["state"] == "办理"
    too_long = city.act("police", appeal, "extension", status=422, amount=20, reason="太久")
    assert too_long["detail"][0]["field"] == "amount"
    appeal = city.act("dispatcher", appeal, "extension-decision", approve=True)
    assert appeal["due_at"] > first_due
    appeal = city.act("dispatcher", appeal, "remind", comment="请加快办理")
    assert city.act("police", appeal, "supervise", status=403, comment="督办")["detail"][0]["message"]
    appeal = city.act("leader", appeal, "supervise", comment="群众反映强烈，列入督办")
    stale = city.act("operator", {**appeal, "version": appeal["version"] - 1}, "correct", status=409, urgency="紧急")
    assert stale["detail"][0]["field"] == "expected_version"
    corrected = city.act("operator", appeal, "correct", urgency="紧急")
    assert (corrected["urgency"], corrected["corrected"]) == ("紧急", True)
    timeline = city["leader"].get(f"/api/hotline/appeals/{appeal['id']}").json()["timeline"]
    assert {"request_extension", "approve_extension", "remind", "supervise"} <= {e["action"] for e in timeline}

    # Vague online appeals wait for an operator (待受理); each way out of 受理 over HTTP.
    waiting = [city["citizen"].post("/api/hotline/appeals", json=VAGUE).json() for _ in range(3)]
    assert all((a["state"], a["needs_review"]) == ("受理", True) for a in waiting)
    assert city["citizen"].get("/api/hotline/appeals").json()["total"] == 3
    assert city["citizen"].get(f"/api/hotline/appeals/{appeal['id']}").status_code == 404
    queue = city["operator"].get("/api/hotline/appeals", params={"needs_review": True}).json()
    assert {a["id"] for a in queue["items"]} == {a["id"] for a in waiting}

    answered = city.act("operator", waiting[0], "answer", comment="已电话联系诉求人，说明原诉求已于上周办结。")
    assert (answered["outcome"], answered["direct_answer"]) == ("办结", True)
    transferred = city.act("operator", waiting[1], "transfer", number="110", reason="诉求人称受到威胁")
    assert (transferred["outcome"], transferred["redirect_number"]) == ("转接", "110")
    assert city.act("operator", waiting[2], "transfer", status=422, number="999", reason="x")["detail"][0]["field"]
    accepted = city.act("operator", waiting[2], "accept")
    assert accepted["state"] == "派单"
    no_unit = city.act("dispatcher", accepted, "dispatch", status=422, lead_unit="nowhere")
    assert no_unit["detail"][0]["field"] == "lead_unit"
    routed = city.act("dispatcher", accepted, "dispatch", lead_unit="housing", assist_units=["510107001"])
    assert (routed["state"], routed["department"], routed["assist_units"]) == ("签收", "housing", ["510107001"])
    assert city["housing"].get(f"/api/hotline/appeals/{routed['id']}").status_code == 200

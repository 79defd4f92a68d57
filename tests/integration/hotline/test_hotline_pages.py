"""The 12345 pages through the app: who may open which page, the console's live triage, the handling journey by
forms (sign, 退单, 派单, reply, review, callback), 409 on a stale form, CSV exports and the knowledge base."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hotline_fixtures import DISPATCHER, HOUSING, LEADER, OPERATOR, URBAN, fake_triager, make_actor

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.kernel.actor import Actor
from yiwang.web import deps as web_deps

CITIZEN = make_actor("citizen.demo", "citizen", None)
ADMIN = make_actor("admin", "platform_admin", "cityops")
HTML = {"Accept": "text/html"}
PIN = {"lon": "104.06", "lat": "30.64"}
SIMILAR = "玉林北路12号附近路灯坏了不亮，晚上太黑了"
CALL = {
    "reporter_name": "张三丰",
    "reporter_phone": "13800138000",
    "address": "武侯区玉林北路12号",
    "cause": "路灯损坏",
    "content": "玉林北路12号门口的路灯不亮已经一个星期了，晚上很黑",
    "channel": "phone",
}


class Pages:
    """A test client whose requests act as whoever ``act_as`` names last."""

    def __init__(self, app: FastAPI, client: TestClient) -> None:
        self.app, self.client = app, client

    def act_as(self, actor: Actor) -> TestClient:
        self.app.dependency_overrides[web_deps.get_actor] = lambda: actor
        self.app.dependency_overrides[web_deps.get_optional_actor] = lambda: actor
        return self.client

    def csrf(self, path: str = "/hotline/kb") -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', self.client.get(path, headers=HTML).text)
        assert found, "no CSRF token on the page"
        return found.group(1)


@pytest.fixture
def pages(settings: Settings) -> Iterator[Pages]:
    app = create_app(settings)
    app.state.hotline_triager = fake_triager()
    with TestClient(app, follow_redirects=False) as client:
        yield Pages(app, client)
    app.state.engine.dispose()


def _version(html: str) -> str:
    found = re.search(r'name="expected_version" value="(\d+)"', html)
    assert found, "no version on the page"
    return found.group(1)


def _record_call(pages: Pages, **extra: str) -> int:
    client = pages.act_as(OPERATOR)
    token = pages.csrf("/hotline/console")
    response = client.post("/hotline/console", data={**CALL, "csrf_token": token, **extra}, headers=HTML)
    assert response.status_code == 303, response.text
    found = re.match(r"/hotline/appeals/(\d+)\?msg=", response.headers["location"])
    assert found
    return int(found.group(1))


def _act(pages: Pages, actor: Actor, appeal_id: int, action: str, **fields: str) -> TestClient:
    client = pages.act_as(actor)
    page = client.get(f"/hotline/appeals/{appeal_id}", headers=HTML)
    assert page.status_code == 200
    data = {"csrf_token": pages.csrf(f"/hotline/appeals/{appeal_id}"), "expected_version": _version(page.text)}
    response = client.post(f"/hotline/appeals/{appeal_id}/actions/{action}", data={**data, **fields}, headers=HTML)
    assert response.status_code == 303, response.text
    return client


def test_pages_open_for_their_roles_only(pages: Pages) -> None:
    for actor, path in (
        (OPERATOR, "/hotline/console"),
        (DISPATCHER, "/hotline/dispatch"),
        (URBAN, "/hotline/queue"),
        (LEADER, "/hotline/dashboard"),
        (CITIZEN, "/hotline/new"),
        (CITIZEN, "/hotline/qr"),
        (CITIZEN, "/hotline/kb"),
    ):
        response = pages.act_as(actor).get(path, headers=HTML)
        assert response.status_code == 200, (actor.id, path, response.text[:300])
        assert "<html" in response.text
    for actor, path in (
        (CITIZEN, "/hotline/console"),
        (CITIZEN, "/hotline/dispatch"),
        (CITIZEN, "/hotline/queue"),
        (CITIZEN, "/hotline/dashboard"),
        (URBAN, "/hotline/console"),
        (OPERATOR, "/hotline/kb/new"),
    ):
        response = pages.act_as(actor).get(path, headers=HTML)
        assert response.status_code == 403, (actor.id, path)
    assert pages.act_as(OPERATOR).get("/hotline").headers["location"] == "/hotline/console"
    assert pages.act_as(URBAN).get("/hotline").headers["location"] == "/hotline/queue"


def test_console_preview_fills_category_department_and_district(pages: Pages) -> None:
    client = pages.act_as(OPERATOR)
    token = pages.csrf("/hotline/console")
    response = client.post("/hotline/console/preview", data={**CALL, "csrf_token": token})
    assert response.status_code == 200
    html = response.text
    assert 'id="triage-panel"' in html
    assert 'name="category" id="f-category" maxlength="32" value="010201"' in html
    assert 'name="district_code" id="f-district_code" maxlength="6" value="510107"' in html
    assert "路灯照明" in html
    assert "置信度 92%" in html
    # The operator's own value survives the next preview; untouched ones follow the suggestion.
    corrected = client.post(
        "/hotline/console/preview",
        data={**CALL, "csrf_token": token, "department": "housing", "s_department": "510107012"},
    ).text
    assert 'id="f-department" maxlength="32" value="housing"' in corrected
    assert "已人工修改" not in corrected or "housing" in corrected
    refused = client.post("/hotline/console/preview", data={**CALL, "csrf_token": "wrong"})
    assert refused.status_code == 403


def test_console_refuses_bad_input_in_chinese(pages: Pages) -> None:
    client = pages.act_as(OPERATOR)
    token = pages.csrf("/hotline/console")
    bad_phone = client.post(
        "/hotline/console", data={**CALL, "csrf_token": token, "reporter_phone": "abc"}, headers=HTML
    )
    assert bad_phone.status_code == 422
    assert "联系电话格式不正确" in bad_phone.text
    short = client.post("/hotline/console", data={**CALL, "csrf_token": token, "content": "x"}, headers=HTML)
    assert short.status_code == 422
    assert "内容太短" in short.text


def test_journey_by_forms_with_return_redispatch_reply_and_callback(pages: Pages) -> None:
    appeal_id = _record_call(pages, department="urban", assist_units="", idempotency_key="page-journey")
    page = pages.act_as(OPERATOR).get(f"/hotline/appeals/{appeal_id}", headers=HTML).text
    assert "张**" in page  # masked by default
    assert "138****8000" in page
    assert "13800138000" not in page
    # Another unit does not even see it.
    assert pages.act_as(HOUSING).get(f"/hotline/appeals/{appeal_id}", headers=HTML).status_code == 404
    queue = pages.act_as(URBAN).get("/hotline/queue?tab=sign", headers=HTML).text
    assert f'data-appeal="{appeal_id}"' in queue
    _act(pages, URBAN, appeal_id, "sign")
    _act(pages, URBAN, appeal_id, "return", reason="属物业管理范围，非本单位职责")
    board = pages.act_as(DISPATCHER).get("/hotline/dispatch?tab=dispatch", headers=HTML).text
    assert "属物业管理范围，非本单位职责" in board
    assert "重新派单" in board
    _act(pages, DISPATCHER, appeal_id, "dispatch", lead_unit="housing", assist_units="", next="/hotline/dispatch")
    _act(pages, HOUSING, appeal_id, "sign")
    _act(pages, HOUSING, appeal_id, "reply", comment="已督促物业更换路灯灯泡，现已恢复照明。")
    _act(pages, DISPATCHER, appeal_id, "approve_reply")
    client = _act(pages, OPERATOR, appeal_id, "callback", satisfaction="满意", resolved="1", rating_level="5")
    final = client.get(f"/hotline/appeals/{appeal_id}", headers=HTML).text
    assert "已办结" in final
    assert "已督促物业更换路灯灯泡" in final
    for label in ("签收", "退单", "派单", "办结反馈", "审核通过", "回访满意"):
        assert label in final
    closed = pages.act_as(HOUSING).get("/hotline/queue?tab=closed", headers=HTML).text
    assert f'data-appeal="{appeal_id}"' in closed


def test_stale_form_is_a_409_and_bad_action_input_a_422(pages: Pages) -> None:
    appeal_id = _record_call(pages, department="urban", assist_units="", idempotency_key="page-stale")
    client = pages.act_as(URBAN)
    page = client.get(f"/hotline/appeals/{appeal_id}", headers=HTML).text
    token, version = pages.csrf(f"/hotline/appeals/{appeal_id}"), _version(page)
    first = client.post(
        f"/hotline/appeals/{appeal_id}/actions/sign", data={"csrf_token": token, "expected_version": version}
    )
    assert first.status_code == 303
    again = client.post(
        f"/hotline/appeals/{appeal_id}/actions/return",
        data={"csrf_token": token, "expected_version": version, "reason": "不属本单位"},
        headers=HTML,
    )
    assert again.status_code == 409
    assert "版本已变化" in again.text
    version = _version(client.get(f"/hotline/appeals/{appeal_id}", headers=HTML).text)
    no_reason = client.post(
        f"/hotline/appeals/{appeal_id}/actions/request_extension",
        data={"csrf_token": token, "expected_version": version, "amount": "99"},
        headers=HTML,
    )
    assert no_reason.status_code == 422
    assert "延期天数应为 1 到 30 的整数" in no_reason.text
    no_csrf = client.post(f"/hotline/appeals/{appeal_id}/actions/sign", data={"expected_version": version})
    assert no_csrf.status_code == 403


def test_citizen_and_qr_forms(pages: Pages) -> None:
    client = pages.act_as(CITIZEN)
    token = pages.csrf("/hotline/new")
    created = client.post(
        "/hotline/new",
        data={"csrf_token": token, "content": "小区门口的路灯坏了，晚上不安全", "lon": "104.05", "lat": "30.63"},
        headers=HTML,
    )
    assert created.status_code == 303
    mine = client.get("/hotline/new", headers=HTML).text
    assert "小区门口的路灯坏了" in mine
    no_pin = client.post("/hotline/new", data={"csrf_token": token, "content": "井盖丢失", "qr": "1"}, headers=HTML)
    assert no_pin.status_code == 422
    assert "码上报须在地图上标注位置" in no_pin.text
    photo = client.post(
        "/hotline/new",
        data={
            "csrf_token": token,
            "content": "人行道井盖丢失，有人差点掉下去",
            "qr": "1",
            "lon": "104.06",
            "lat": "30.64",
        },
        files={"photos": ("井盖spot.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")},
        headers=HTML,
    )
    assert photo.status_code == 303
    appeal_page = client.get(photo.headers["location"], headers=HTML).text
    assert "码上报" in appeal_page
    assert "井盖spot.png" in appeal_page
    # The Chinese file name survives the download (RFC 6266), with an ASCII name for older clients.
    found = re.search(r'href="(/hotline/appeals/(\d+)/media/(\d+))"', appeal_page)
    assert found
    encoded = "filename=\"spot.png\"; filename*=UTF-8''%E4%BA%95%E7%9B%96spot.png"
    assert client.get(found.group(1)).headers["content-disposition"] == f"inline; {encoded}"
    download = client.get(f"/api/hotline/appeals/{found.group(2)}/media/{found.group(3)}")
    assert download.headers["content-disposition"] == f"attachment; {encoded}"
    fake = client.post(
        "/hotline/new",
        data={"csrf_token": token, "content": "照片不是图片", "qr": "1", "lon": "104.06", "lat": "30.64"},
        files={"photos": ("x.png", b"not an image", "image/png")},
        headers=HTML,
    )
    assert fake.status_code == 422
    assert "附件内容与声明的类型不符" in fake.text


def test_dashboard_and_csv_exports(pages: Pages) -> None:
    _record_call(pages, department="urban", assist_units="", idempotency_key="page-dash")
    page = pages.act_as(LEADER).get("/hotline/dashboard", headers=HTML)
    assert page.status_code == 200
    html = page.text
    for label in ("响应率", "按时办结率", "解决率", "满意率", "直接答复率", "指标口径", 'id="hotline-map"'):
        assert label in html
    bad = pages.act_as(LEADER).get("/hotline/dashboard?date_from=2026-12-01&date_to=2026-01-01", headers=HTML)
    assert bad.status_code == 422
    assert "开始日期不能晚于结束日期" in bad.text
    csv_text = pages.act_as(LEADER).get("/hotline/dashboard/kpis.csv?by=department").text
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("代码,名称,受理量,派单量")
    assert any(line.startswith("urban,") for line in lines)
    assert lines[-1].startswith(",合计,1,1,0,,")  # still within its sign-for limit: no 响应率 yet
    listing = pages.act_as(LEADER).get("/hotline/appeals.csv")
    assert listing.status_code == 200
    rows = listing.text.lstrip("\ufeff").splitlines()
    assert rows[0].startswith("诉求编号,渠道,类型")
    assert len(rows) == 2
    assert "13800138000" not in listing.text
    assert "张三丰" not in listing.text
    assert pages.act_as(CITIZEN).get("/hotline/dashboard/kpis.csv").status_code == 403


def test_knowledge_base_create_search_view_and_edit_with_conflict(pages: Pages) -> None:
    admin = pages.act_as(ADMIN)
    token = pages.csrf("/hotline/kb/new")
    article = {
        "csrf_token": token,
        "slug": "residence-permit-test",
        "title": "居住证办理（测试）",
        "department": "police",
        "keywords": "居住证,暂住",
        "answer": "持本人身份证和居住证明材料到居住地派出所或社区办理，10 个工作日内制证。",
        "source": "《居住证暂行条例》",
        "published": "1",
    }
    created = admin.post("/hotline/kb/save", data=article, headers=HTML)
    assert created.status_code == 303, created.text
    article_id = re.search(r"/hotline/kb/(\d+)", created.headers["location"]).group(1)  # type: ignore[union-attr]
    taken = admin.post("/hotline/kb/save", data=article, headers=HTML)
    assert taken.status_code == 409
    client = pages.act_as(OPERATOR)
    listing = client.get("/hotline/kb?q=居住证", headers=HTML)
    assert listing.status_code == 200
    assert f'href="/hotline/kb/{article_id}"' in listing.text
    assert client.get(f"/hotline/kb/{article_id}", headers=HTML).status_code == 200
    assert client.get(f"/hotline/kb/{article_id}/edit", headers=HTML).status_code == 403
    assert client.get("/hotline/kb/999999", headers=HTML).status_code == 404
    admin = pages.act_as(ADMIN)
    form = admin.get(f"/hotline/kb/{article_id}/edit", headers=HTML).text
    fields = dict(re.findall(r'name="(\w+)"[^>]*?value="([^"]*)"', form))
    data = {**fields, "answer": article["answer"] + "（已更新）", "published": "1"}
    saved = admin.post("/hotline/kb/save", data=data, headers=HTML)
    assert saved.status_code == 303, saved.text
    assert "（已更新）" in admin.get(f"/hotline/kb/{article_id}", headers=HTML).text
    stale = admin.post("/hotline/kb/save", data=data, headers=HTML)
    assert stale.status_code == 409
    assert "已被他人修改" in stale.text
    short = admin.post("/hotline/kb/save", data={**data, "answer": "太短"}, headers=HTML)
    assert short.status_code == 422
    assert "答复口径" in short.text


def test_console_shows_emergency_banner_duplicates_and_refuses_an_empty_direct_answer(pages: Pages) -> None:
    first = _record_call(pages, idempotency_key="page-dup-1")
    client = pages.act_as(OPERATOR)
    token = pages.csrf("/hotline/console")
    preview = client.post(
        "/hotline/console/preview",
        data={
            **CALL,
            "csrf_token": token,
            "content": SIMILAR,
            "lon": "104.05",
            "lat": "30.63",
        },
    ).text
    assert 'id="duplicates"' in preview
    assert f'name="merge_into" value="{first}"' in preview
    merged = client.post(
        "/hotline/console",
        data={
            **CALL,
            "csrf_token": token,
            "content": SIMILAR,
            "lon": "104.05",
            "lat": "30.63",
            "idempotency_key": "page-dup-2",
            "intent": "merge",
            "merge_into": str(first),
        },
        headers=HTML,
    )
    assert merged.status_code == 303
    assert "%E5%B7%B2%E5%B9%B6%E5%85%A5" in merged.headers["location"]  # 已并入
    pages.app.state.hotline_triager = fake_triager(redirect="120")
    banner = client.post("/hotline/console/preview", data={**CALL, "csrf_token": token}).text
    assert 'id="emergency-banner"' in banner
    assert "请转接 120" in banner
    answer = client.post(
        "/hotline/console", data={**CALL, "csrf_token": token, "intent": "answer", "answer_text": ""}, headers=HTML
    )
    assert answer.status_code == 422
    assert "直接答复须填写答复内容" in answer.text


def test_reporter_contact_is_shown_only_through_the_audited_unmask(pages: Pages) -> None:
    appeal_id = _record_call(
        pages, department="urban", assist_units="", reporter_id_number="510107199003071236", idempotency_key="page-c"
    )
    client = pages.act_as(OPERATOR)
    token = pages.csrf(f"/hotline/appeals/{appeal_id}")
    operator = client.post(
        f"/hotline/appeals/{appeal_id}/contact", data={"csrf_token": token, "purpose": "回访诉求人"}, headers=HTML
    )
    assert operator.status_code == 403  # only cityops staff and administrators see clear text (identity rule)
    assert "13800138000" not in operator.text
    client = pages.act_as(ADMIN)
    missing = client.post(f"/hotline/appeals/{appeal_id}/contact", data={"csrf_token": token}, headers=HTML)
    assert missing.status_code == 422
    shown = client.post(
        f"/hotline/appeals/{appeal_id}/contact", data={"csrf_token": token, "purpose": "回访诉求人"}, headers=HTML
    )
    assert shown.status_code == 200, shown.text[:500]
    assert "13800138000" in shown.text
    assert "审计序号" in shown.text
    assert "13800138000" not in client.get(f"/hotline/appeals/{appeal_id}", headers=HTML).text


def test_saving_untouched_suggestions_is_not_a_correction(pages: Pages) -> None:
    client = pages.act_as(OPERATOR)
    token = pages.csrf("/hotline/console")
    panel = client.post("/hotline/console/preview", data={**CALL, "csrf_token": token}).text
    fields = dict(
        re.findall(
            r'name="(s_\w+|category|department|assist_units|district_code|street_code)"[^>]*?value="([^"]*)"', panel
        )
    )
    assert fields["category"] == fields["s_category"] == "010201"
    saved = client.post(
        "/hotline/console",
        data={**CALL, **fields, "csrf_token": token, "idempotency_key": "page-untouched"},
        headers=HTML,
    )
    assert saved.status_code == 303
    page = client.get(saved.headers["location"], headers=HTML).text
    assert "已人工修正" not in page
    assert "路灯照明" in page
    changed = {**fields, "category": "010202"}
    corrected = client.post(
        "/hotline/console",
        data={**CALL, **changed, "csrf_token": token, "idempotency_key": "page-changed"},
        headers=HTML,
    )
    assert "已人工修正" in client.get(corrected.headers["location"], headers=HTML).text


def test_board_remind_supervise_and_redispatch(pages: Pages) -> None:
    appeal_id = _record_call(pages, department="urban", idempotency_key="page-remind")
    client = _act(
        pages,
        DISPATCHER,
        appeal_id,
        "remind",
        comment="请抓紧办理，按时限办结并答复诉求人",
        next="/hotline/dispatch?tab=overdue",
    )
    board = client.get("/hotline/dispatch?tab=overdue", headers=HTML)
    assert board.status_code == 200
    _act(pages, LEADER, appeal_id, "supervise", comment="列入督办，请主要负责同志督促办结")
    _act(pages, DISPATCHER, appeal_id, "redispatch", lead_unit="housing", assist_units="", reason="属物业管理范围")
    page = pages.act_as(HOUSING).get(f"/hotline/appeals/{appeal_id}", headers=HTML).text
    for label in ("催办", "督办", "改派"):
        assert f"<strong>{label}</strong>" in page
    assert "属物业管理范围" in page
    denied = pages.act_as(DISPATCHER)
    version = _version(denied.get(f"/hotline/appeals/{appeal_id}", headers=HTML).text)
    token = pages.csrf(f"/hotline/appeals/{appeal_id}")
    refused = denied.post(
        f"/hotline/appeals/{appeal_id}/actions/supervise",
        data={"csrf_token": token, "expected_version": version, "comment": "督办"},
        headers=HTML,
    )
    assert refused.status_code == 403


def test_direct_answer_closes_a_consultation_at_intake(pages: Pages) -> None:
    client = pages.act_as(OPERATOR)
    token = pages.csrf("/hotline/console")
    question = {**CALL, "content": "请问居住证怎么办理，需要带什么材料？", "cause": "咨询居住证"}
    answered = client.post(
        "/hotline/console",
        data={
            **question,
            "csrf_token": token,
            "intent": "answer",
            "answer_text": "持身份证和居住证明到居住地派出所办理。",
            "idempotency_key": "page-answer",
        },
        headers=HTML,
    )
    assert answered.status_code == 303, answered.text[:500]
    page = client.get(answered.headers["location"], headers=HTML).text
    assert "直接答复" in page
    assert "持身份证和居住证明到居住地派出所办理。" in page
    assert "已办结" in page

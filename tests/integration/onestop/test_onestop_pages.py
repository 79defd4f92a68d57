"""The 一网通办 pages through the app: applying (pre-fill, waived materials and why, autosave, field errors, 秒批),
a degraded source's notice, a 补正 round trip between the department and the applicant, rating, my certificates,
the 四个减 pages, and 403/404 for the wrong role or scope."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from onestop_helpers import ADMIN, DRIVER_ID, NOVICE_ID, PDF, USCC, agent, citizen, staff

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.kernel.actor import Actor
from yiwang.sharing import services as sharing_services
from yiwang.web import deps as web_deps

RIDE_HAILING = "510100-01-transport-002"
RIDE_FIELDS = {"f.applicant_phone": "13900001111", "f.platform_company": "蓉城出行"}


class Browser:
    """A test client whose logged-in actor can be switched between requests."""

    def __init__(self, client: TestClient, holder: dict[str, Actor]) -> None:
        self.client = client
        self.holder = holder

    def act_as(self, actor: Actor) -> Browser:
        self.holder["actor"] = actor
        return self

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, headers={"accept": "text/html"}, **kwargs)

    def csrf(self, url: str) -> str:
        page = self.get(url)
        assert page.status_code == 200, page.text[:500]
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found, "the page carries a CSRF token"
        return found.group(1)

    def post(self, url: str, data: dict[str, Any] | None = None, *, token: str, **kwargs: Any) -> Any:
        body = {"csrf_token": token, **(data or {})}
        return self.client.post(url, data=body, follow_redirects=False, headers={"accept": "text/html"}, **kwargs)


@pytest.fixture
def web(settings: Settings) -> Iterator[Browser]:
    app = create_app(settings)
    holder: dict[str, Actor] = {"actor": ADMIN}
    app.dependency_overrides[web_deps.get_actor] = lambda: holder["actor"]
    app.dependency_overrides[web_deps.get_optional_actor] = lambda: holder["actor"]
    with TestClient(app) as client:
        yield Browser(client, holder)
    app.state.engine.dispose()


def _start(web: Browser, kind: str, code: str) -> int:
    url = f"/services/apply/{kind}/{code}"
    token = web.csrf(url)
    started = web.post(url, token=token)
    assert started.status_code == 303, started.text[:500]
    match = re.fullmatch(r"/me/applications/(\d+)", started.headers["location"])
    assert match
    return int(match.group(1))


def _version(html: str) -> str:
    found = re.search(r'name="expected_version" id="os-version" value="(\d+)"', html)
    assert found
    return found.group(1)


def test_bundle_form_is_prefilled_waives_materials_autosaves_and_reports_field_errors(web: Browser) -> None:
    web.act_as(agent())
    guide = web.get("/services/apply/bundle/yjs-restaurant")
    assert "同意并开始填写" in guide.text
    assert "免提交" in guide.text
    app_id = _start(web, "bundle", "yjs-restaurant")
    page = web.get(f"/me/applications/{app_id}")
    assert page.status_code == 200
    assert "共享数据预填" in page.text
    assert "已由市场监管局共享数据预填" in page.text or "已由" in page.text
    assert page.text.count('class="badge badge-ok">免提交') >= 5
    assert "免提交：" in page.text  # the reason is shown, not only the badge
    assert 'id="os-autosave"' in page.text

    # Autosave (htmx): a status fragment and the new version for the next save.
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    saved = web.client.post(
        f"/me/applications/{app_id}/draft",
        data={"csrf_token": token, "expected_version": _version(page.text), "f.agent_name": "张经办"},
        headers={"hx-request": "true"},
    )
    assert saved.status_code == 200
    assert "已自动保存" in saved.text
    new_version = re.search(r'value="(\d+)" hx-swap-oob', saved.text).group(1)  # type: ignore[union-attr]
    # A stale version (another tab) is refused, not silently overwritten.
    stale = web.client.post(
        f"/me/applications/{app_id}/draft",
        data={"csrf_token": token, "expected_version": "1", "f.agent_name": "别人"},
        headers={"hx-request": "true"},
    )
    assert "未保存" in stale.text
    # Resume: the saved value is back on the page.
    resumed = web.get(f"/me/applications/{app_id}")
    assert 'value="张经办"' in resumed.text
    assert _version(resumed.text) == new_version

    # Submitting with bad and missing answers: 422 with Chinese messages next to the fields.
    bad = web.post(
        f"/me/applications/{app_id}/submit",
        {"expected_version": new_version, "f.agent_phone": "12345", "f.registered_capital": "很多"},
        token=token,
    )
    assert bad.status_code == 422
    assert "「经办人联系电话」格式不正确" in bad.text
    assert "「注册资本（万元）」应为数字" in bad.text
    assert "请填写「" in bad.text
    assert 'data-field="agent_phone"' in bad.text


def test_instant_approval_shows_the_decision_trace_and_the_certificate(web: Browser) -> None:
    web.act_as(citizen(DRIVER_ID))
    app_id = _start(web, "item", RIDE_HAILING)
    page = web.get(f"/me/applications/{app_id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    done = web.post(
        f"/me/applications/{app_id}/submit",
        {**RIDE_FIELDS, "f.exam_passed": "true", "expected_version": _version(page.text)},
        token=token,
    )
    assert done.status_code == 303
    result = web.get(f"/me/applications/{app_id}")
    assert "申请已办结" in result.text
    assert "秒批规则核验轨迹" in result.text
    assert "准予" in result.text
    number = re.search(r"DZZZ-[0-9-]+", result.text)
    assert number, "the certificate is in the result package"
    mine = web.get("/me/certificates")
    assert number.group(0) in mine.text
    assert "<svg" in mine.text  # the QR code
    assert "/certs/verify/" in mine.text
    listed = web.get("/me/applications")
    assert "已办结" in listed.text


def test_a_down_source_asks_for_an_upload_and_says_so(web: Browser) -> None:
    session_factory = web.client.app.state.session_factory  # type: ignore[attr-defined]
    with session_factory() as session:
        sharing_services.set_source_status(
            session, actor=ADMIN, department_code="police", available=False, reason="系统升级"
        )
    web.act_as(citizen(DRIVER_ID))
    app_id = _start(web, "item", RIDE_HAILING)
    page = web.get(f"/me/applications/{app_id}")
    assert "os-source-down" in page.text
    assert "暂不可用（系统升级）" in page.text
    assert 'data-material="id_card" data-status="needed"' in page.text
    assert f'action="/me/applications/{app_id}/materials/id_card"' in page.text


def test_correction_round_trip_through_the_pages_then_rating(web: Browser) -> None:  # noqa: PLR0915 - one journey
    driver = citizen(DRIVER_ID)
    transport = staff("transport")
    web.act_as(driver)
    app_id = _start(web, "item", RIDE_HAILING)
    page = web.get(f"/me/applications/{app_id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    submitted = web.post(
        f"/me/applications/{app_id}/submit",
        {**RIDE_FIELDS, "f.exam_passed": "false", "expected_version": _version(page.text)},
        token=token,
    )
    assert submitted.status_code == 303
    number = re.search(r"YW\d{8}[0-9A-F]{8}", web.get(f"/me/applications/{app_id}").text).group(0)  # type: ignore[union-attr]

    # The department finds it in its queue, accepts it and asks for a 补正 of one field and one material.
    web.act_as(transport)
    queue = web.get("/onestop/queue?status=pending")
    assert number in queue.text
    assert "王**" in queue.text or "王*" in queue.text  # the applicant's name masked
    detail = web.get(f"/onestop/applications/{app_id}")
    assert "受理" in detail.text
    assert DRIVER_ID not in detail.text  # ID numbers masked on the department's page
    staff_token = web.csrf(f"/onestop/applications/{app_id}")
    accepted = web.post(
        f"/onestop/applications/{app_id}/decide",
        {"action": "accept", "item_code": RIDE_HAILING},
        token=staff_token,
    )
    assert accepted.status_code == 303
    asked = web.post(
        f"/onestop/applications/{app_id}/decide",
        {
            "action": "correction",
            "item_code": RIDE_HAILING,
            "reason": "请确认考试合格情况并重新上传身份证",
            "fields": ["exam_passed"],
            "materials": ["id_card"],
        },
        token=staff_token,
    )
    assert asked.status_code == 303
    assert "已要求补正" in web.get(f"/onestop/applications/{app_id}").text

    # The applicant sees what to fix; only the named field is editable, the named material needs a new upload.
    web.act_as(driver)
    fix = web.get(f"/me/applications/{app_id}")
    assert "部门要求补正" in fix.text
    assert "请确认考试合格情况并重新上传身份证" in fix.text
    assert re.search(r'name="f\.exam_passed"(?![^>]*disabled)', fix.text)
    assert re.search(r'name="f\.platform_company"[^>]*disabled', fix.text)
    too_early = web.post(f"/me/applications/{app_id}/submit", {"f.exam_passed": "true"}, token=token)
    assert too_early.status_code == 422
    assert "请按补正要求重新上传「" in too_early.text
    uploaded = web.client.post(
        f"/me/applications/{app_id}/materials/id_card",
        data={"csrf_token": token},
        files={"file": ("身份证.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    assert "已上传" in web.get(f"/me/applications/{app_id}").text
    resubmitted = web.post(f"/me/applications/{app_id}/submit", {"f.exam_passed": "true"}, token=token)
    assert resubmitted.status_code == 303

    # The department approves; the applicant gets the certificate and rates the service.
    web.act_as(transport)
    assert "审查中" in web.get(f"/onestop/applications/{app_id}").text
    upload = web.get(f"/onestop/applications/{app_id}/materials/id_card")
    assert upload.status_code == 200
    assert upload.content == PDF
    approved = web.post(
        f"/onestop/applications/{app_id}/decide", {"action": "approve", "item_code": RIDE_HAILING}, token=staff_token
    )
    assert approved.status_code == 303
    assert "已签发电子证照" in web.get(f"/onestop/applications/{app_id}").text
    web.act_as(driver)
    done = web.get(f"/me/applications/{app_id}")
    assert "评价本次服务" in done.text
    rated = web.post(
        f"/me/applications/{app_id}/rating",
        {"level": "5", "indicator_efficiency": "5", "comment": "补正说明清楚"},
        token=token,
    )
    assert rated.status_code == 303
    after = web.get(f"/me/applications/{app_id}")
    assert "感谢您的评价" in after.text
    assert "已评价" in after.text
    assert "补正后重新提交" in after.text  # the timeline keeps the round trip


def test_wrong_role_or_scope_gets_403_or_404(web: Browser) -> None:
    web.act_as(citizen(DRIVER_ID))
    app_id = _start(web, "item", RIDE_HAILING)
    token = web.csrf(f"/me/applications/{app_id}")
    # Another citizen: the application does not exist for them.
    web.act_as(citizen(NOVICE_ID, username="citizen.novice"))
    assert web.get(f"/me/applications/{app_id}").status_code == 404
    # Applicants do not work the department queue.
    assert web.get("/onestop/queue").status_code == 403
    assert web.get("/onestop/post-checks").status_code == 403
    # A department without an item in the application does not see it; a draft is in nobody's queue.
    web.act_as(staff("market"))
    assert web.get(f"/onestop/applications/{app_id}").status_code == 404
    assert web.get("/onestop/queue").status_code == 200
    # Staff cannot start applications: the start page says so and offers no button.
    guide = web.get(f"/services/apply/item/{RIDE_HAILING}")
    assert "只有市民或企业经办人账户可以在线办理" in guide.text
    # An enterprise agent is not the applicant: their decision on it is refused (not found for them).
    web.act_as(agent(USCC))
    refused = web.post(
        f"/onestop/applications/{app_id}/decide", {"action": "approve", "item_code": RIDE_HAILING}, token=token
    )
    assert refused.status_code in {403, 404}
    # A form without the session's CSRF token is refused.
    web.act_as(citizen(DRIVER_ID))
    assert web.post(f"/me/applications/{app_id}/submit", {}, token="forged")  # noqa: S106 - a forged CSRF token, not a password.status_code == 403
    assert web.get("/services/apply/thing/x").status_code == 404


def test_savings_pages_compare_with_the_baseline(web: Browser) -> None:
    overview = web.get("/services/savings")
    assert overview.status_code == 200
    assert "开办餐饮店" in overview.text
    assert "减环节" in overview.text
    bundle = web.get("/services/savings/bundle/yjs-restaurant")
    assert bundle.status_code == 200
    for label in ("减环节", "减时间", "减材料", "减跑动"):
        assert label in bundle.text
    assert 'id="os-savings-chart-data"' in bundle.text
    assert "分别办理（基准）" in bundle.text
    item = web.get(f"/services/savings/item/{RIDE_HAILING}")
    assert item.status_code == 200
    assert web.get("/services/savings/item/yjs-restaurant").status_code == 404

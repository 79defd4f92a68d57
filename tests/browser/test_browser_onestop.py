"""一网通办 acceptance in Chromium: an enterprise agent applies for 开办餐饮店 with pre-filled data and no uploads,
five departments' staff each log in and decide their items, the applicant receives every certificate, verifies one
through its QR verification page and rates the service; a tampered certificate fails verification.

Every department's staff is a demo account (公安局, 人社局 and 医保局 included), so each acts through its own pages;
the demo's own 一件事 waiting in their queues (开办运输企业) does not get in the way of the one applied for here.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.identity import services as identity_services
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import Actor

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Browser2026demo"  # noqa: S105 - the browser database's demo password (tests/browser/conftest.py)
BUNDLE = "yjs-restaurant"
DEPARTMENTS = ("market", "police", "tax", "hrss", "medins")
ANSWERS: dict[str, str | list[str]] = {
    "agent_name": "张经办",
    "agent_phone": "13900003333",
    "enterprise_type": "有限责任公司",
    "registered_capital": "50",
    "business_scope": "餐饮服务；食品销售",
    "legal_representative": "王建国",
    "legal_rep_id_number": "510107199003071236",
    "business_category": "热食类食品制售",
    "main_format": "餐饮服务经营者",
    "food_safety_manager": "刘食安",
    "business_area_m2": "120",
    "seal_types": ["单位公章", "发票专用章"],
    "accounting_method": "独立核算",
    "taxpayer_type": "小规模纳税人",
    "invoice_types": ["数电发票（普通发票）"],
    "bank_name": "成都银行武侯支行",
    "bank_account": "6228480402564890018",
    "first_month_employees": "6",
}
"""The restaurant bundle's answers the government does not hold (pre-filled fields are left as they come)."""


ADMIN = Actor(id="admin", department="cityops", role=Role.PLATFORM_ADMIN, roles=frozenset({Role.PLATFORM_ADMIN}))


@pytest.fixture(scope="module")
def department_staff(live_settings: Settings) -> None:
    """The five departments' staff accounts are demo accounts (公安局, 人社局, 医保局 included)."""
    engine = make_engine(live_settings.database_url)
    with make_session_factory(engine)() as session:
        for code in ("market", "police", "tax", "hrss", "medins"):
            account = identity_services.get_account(session, actor=ADMIN, username=f"staff.{code}")
            assert account.active, f"demo account staff.{code} is inactive"
    engine.dispose()


def _fill(page: Page) -> None:
    """Answer the fields that are still empty; pre-filled ones stay as the government provided them."""
    for field, answer in ANSWERS.items():
        target = page.locator(f"[name='f.{field}']")
        if target.count() == 0:
            continue
        if isinstance(answer, list):
            if page.locator(f"[name='f.{field}']:checked").count() == 0:
                for value in answer:
                    page.locator(f"[name='f.{field}'][value='{value}']").check()
            continue
        tag = target.first.evaluate("e => e.tagName")
        if tag == "SELECT":
            if not target.first.input_value():
                target.first.select_option(answer)
        elif not target.first.input_value():
            target.first.fill(answer)


def _decide_as(browser: Browser, live_server: str, login, department: str, number: str) -> None:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        login(page, f"staff.{department}", next_path="/onestop/queue?status=pending")
        expect(page).to_have_url(re.compile(r"/onestop/queue"))
        page.get_by_role("link", name=number).click()
        expect(page).to_have_url(re.compile(r"/onestop/applications/\d+$"))
        decide = page.locator(".os-decide")
        expect(decide.first).to_be_visible()
        for label in ("受理", "准予"):
            while page.locator(f".os-decide button[value='{'accept' if label == '受理' else 'approve'}']").count():
                page.locator(f".os-decide button[value='{'accept' if label == '受理' else 'approve'}']").first.click()
                expect(page.locator("#os-flash")).to_contain_text(f"已{label}")
        expect(page.locator(".os-decide button")).to_have_count(0)
    finally:
        context.close()


@pytest.mark.usefixtures("department_staff")
def test_restaurant_bundle_from_application_to_verified_certificate(
    *, page: Page, browser: Browser, live_server: str, login, screenshot
) -> None:
    login(page, "agent.demo", next_path=f"/services/apply/bundle/{BUNDLE}")
    expect(page.locator("h1")).to_contain_text("开办餐饮店")
    page.locator("#os-start").click()
    expect(page).to_have_url(re.compile(r"/me/applications/\d+$"))
    application_url = page.url

    # Pre-filled from shared data, materials waived with their reasons, nothing to upload.
    expect(page.locator(".os-prefill-note").first).to_contain_text("共享数据预填")
    waived = page.locator("#materials tr[data-status='waived']")
    expect(waived.first).to_be_visible()
    assert waived.count() >= 5
    expect(waived.first.locator(".os-waiver")).to_contain_text("免提交")
    expect(page.locator("#materials tr[data-status='needed'][data-required='true']")).to_have_count(0)
    screenshot("1-prefilled")

    _fill(page)
    page.locator("#os-submit").click()
    expect(page.locator("#os-flash")).to_contain_text("申请已提交")
    expect(page.locator("#progress tr[data-item]")).to_have_count(7)
    number = re.search(r"YW\d{8}[0-9A-F]{8}", page.locator("h1").inner_text())
    assert number is not None
    screenshot("2-submitted")

    # Five departments, each through its own queue and application page.
    for department in DEPARTMENTS:
        _decide_as(browser, live_server, login, department, number.group(0))

    page.goto(application_url)
    expect(page.locator(".page-header")).to_contain_text("已办结")
    expect(page.locator("#progress tr[data-status='approved']")).to_have_count(7)
    expect(page.locator("#results")).to_contain_text("电子证照 7 份")
    screenshot("3-completed")

    # Rate the service (好差评).
    page.locator("#rating input[name=level][value='5']").check()
    page.locator("#rating input[name=indicator_efficiency][value='5']").check()
    page.locator("#rating textarea[name=comment]").fill("一次提交，五个部门并联办结，很方便")
    page.locator("#rating button[type=submit]").click()
    expect(page.locator("#os-flash")).to_contain_text("感谢您的评价")

    # My certificates: verify one through its QR verification page.
    certificate_number = page.locator("#results a[href^='/certs/']").first.inner_text()
    page.goto(f"{live_server}/me/certificates")
    card = page.locator(f".os-cert[data-number='{certificate_number}']")
    expect(card.locator("svg")).to_be_visible()
    card.locator(".os-verify-link").click()
    expect(page).to_have_url(re.compile(r"/certs/verify/"))
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "valid")
    screenshot("4-verified")

    # A tampered copy of the signed document fails on the public verification page.
    document = page.request.get(f"{live_server}/api/certs/{certificate_number}/document").json()
    key = "credentialSubject" if "credentialSubject" in document else "payload"
    document[key] = {**document[key], "holder_name": "伪造的企业"} if isinstance(document[key], dict) else "伪造"
    page.goto(f"{live_server}/certs/verify")
    page.locator("textarea[name=text]").fill(json.dumps(document, ensure_ascii=False))
    page.locator("form[action='/certs/verify'] button[type=submit]").click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "tampered")
    screenshot("5-tampered")

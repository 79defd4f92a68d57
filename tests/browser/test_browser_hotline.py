"""The 12345 closed loop in Chromium: an operator records a call and triage fills category, department and district;
the unit signs and returns it once; the dispatcher re-dispatches; the unit signs and replies; the reply is approved;
the operator calls the caller back and records the rating. Then a leader opens the dashboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

CONTENT = "武侯区玉林北路18号有一家餐馆卖过期食品，我们一家吃了以后拉肚子，要求市场监管部门查处"
RETURN_REASON = "现场核实该店已停业，需先由属地核实经营主体"
REPLY = "已会同属地街道找到经营者，责令停业整改并销毁过期食材，对其立案调查。"


def _switch(page: Page, login, username: str, path: str) -> None:
    page.context.clear_cookies()
    login(page, username, next_path=path)
    expect(page).to_have_url(re.compile(re.escape(path.split("?", maxsplit=1)[0])))


def _act(page: Page, action: str, **fields: str) -> None:
    box = page.locator(f"section[aria-label='办理'] details[data-action='{action}']")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    for name, value in fields.items():
        box.locator(f"[name={name}]").fill(value)
    box.locator("button[type=submit]").click()


def test_call_to_callback_through_the_pages(page: Page, live_server: str, login, screenshot) -> None:  # noqa: PLR0915
    # 1. The operator records the call; triage fills the classification while the operator types.
    login(page, "operator.12345", next_path="/hotline/console")
    expect(page).to_have_url(re.compile(r"/hotline/console"))
    page.wait_for_function("() => window.htmx !== undefined")  # the live triage needs htmx attached
    form = page.locator("#console-form")
    form.locator("input[name=reporter_name]").fill("王小明")
    form.locator("input[name=reporter_phone]").fill("13912345678")
    form.locator("input[name=address]").fill("武侯区玉林北路18号")
    form.locator("input[name=cause]").fill("餐馆售卖过期食品")
    form.locator("textarea[name=content]").fill(CONTENT)
    form.locator("textarea[name=content]").press("Tab")
    # The first triage of a fresh server loads the model: allow for a slow, shared machine.
    expect(page.locator("#category-path")).to_contain_text("食品安全", timeout=60_000)
    expect(page.locator("#f-department")).to_have_value("market")
    expect(page.locator("#department-name")).to_contain_text("市场监督管理")
    expect(page.locator("#f-district_code")).to_have_value("510107")
    expect(page.locator("#district-name")).to_contain_text("武侯区")
    expect(page.locator("#triage-confidence")).to_contain_text("置信度")
    screenshot("1-console-triaged")
    page.locator("#save-appeal").click()
    expect(page).to_have_url(re.compile(r"/hotline/appeals/\d+"))
    appeal_url = page.url.split("?")[0]
    appeal_id = appeal_url.rsplit("/", 1)[1]
    expect(page.locator("#appeal-state")).to_contain_text("待签收")
    expect(page.locator("#appeal-department")).to_contain_text("市场监督管理")
    expect(page.locator("section[aria-label='五要素']")).to_contain_text("王**")  # masked by default
    expect(page.locator("body")).not_to_contain_text("13912345678")
    screenshot("2-recorded")

    # 2. The market regulator's staff find it in their queue, sign it, and return it once with a reason.
    _switch(page, login, "staff.market", "/hotline/queue?tab=sign")
    row = page.locator(f"tr[data-appeal='{appeal_id}']")
    expect(row).to_be_visible()
    row.get_by_role("link").first.click()
    _act(page, "sign")
    expect(page.locator("#appeal-state")).to_contain_text("办理中")
    _act(page, "return", reason=RETURN_REASON)
    expect(page.locator("#appeal-state")).to_contain_text("待派单")
    screenshot("3-returned")

    # 3. The dispatcher sees the return and its reason on the board and dispatches it again.
    _switch(page, login, "dispatcher.12345", "/hotline/dispatch?tab=dispatch")
    row = page.locator(f"tr[data-appeal='{appeal_id}']")
    expect(row).to_contain_text(RETURN_REASON)
    expect(row.locator("input[name=lead_unit]")).to_have_value("market")
    screenshot("4-dispatch-board")
    row.get_by_role("button", name="重新派单").click()
    expect(page.locator(".notice[role=status]")).to_contain_text("待签收")
    expect(page.locator(f"tr[data-appeal='{appeal_id}']")).to_have_count(0)

    # 4. The unit signs again and replies.
    _switch(page, login, "staff.market", f"/hotline/appeals/{appeal_id}")
    _act(page, "sign")
    expect(page.locator("#appeal-state")).to_contain_text("办理中")
    _act(page, "reply", comment=REPLY)
    expect(page.locator("#appeal-state")).to_contain_text("待审核答复")
    expect(page.locator("#reply-text")).to_contain_text("责令停业整改")

    # 5. The dispatcher approves the reply; the case waits for the callback.
    _switch(page, login, "dispatcher.12345", f"/hotline/appeals/{appeal_id}")
    _act(page, "approve_reply")
    expect(page.locator("#appeal-state")).to_contain_text("待回访")

    # 6. The operator calls the caller back: satisfied, five stars.
    _switch(page, login, "operator.12345", f"/hotline/appeals/{appeal_id}")
    callback = page.locator("form[aria-label='回访']")
    callback.locator("input[name=satisfaction][value=满意]").check()
    callback.locator("select[name=rating_level]").select_option("5")
    callback.locator("textarea[name=note]").fill("诉求人表示问题已解决，对处理结果满意")
    callback.locator("button[type=submit]").click()
    expect(page.locator("#appeal-state")).to_contain_text("已办结")
    callbacks = page.locator("section[aria-label='回访记录']")
    expect(callbacks).to_contain_text("满意")
    expect(callbacks).to_contain_text("5 星")
    timeline = page.locator("#timeline")
    for label in ("签收", "退单", "派单", "办结反馈", "审核通过", "回访满意"):
        expect(timeline).to_contain_text(label)
    screenshot("5-closed")

    # 7. The city leader's dashboard counts the case and draws the map and the trend.
    _switch(page, login, "leader.city", "/hotline/dashboard")
    expect(page.locator("#kpi-cards")).to_contain_text("满意率")
    expect(page.locator("#kpi-department tr[data-code='market']")).to_be_visible()
    expect(page.locator("#kpi-definitions")).to_contain_text("按时办结率")
    expect(page.locator("#hotline-map")).to_have_attribute("data-rendered", "true", timeout=20_000)
    expect(page.locator("#hotline-map")).to_have_attribute("data-hotspots", re.compile(r"^[1-9]\d*$"))
    expect(page.locator("#hotline-trend")).to_have_attribute("data-rendered", "true")
    screenshot("6-dashboard")

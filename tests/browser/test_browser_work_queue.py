"""A department's staff member works a 12345 appeal in Chromium: log in, 待办, open it, 签收, 办结反馈, timeline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

COMMENT = "已到现场核查，责令商户清理后厨并销毁过期食材，复查合格。"


def test_staff_signs_and_replies_to_an_appeal_from_the_work_queue(page: Page, live_server: str, login, screenshot):
    login(page, "staff.market", next_path="/work")
    expect(page).to_have_url(re.compile(r"/work"))
    expect(page.locator(".wf-tabs a.active")).to_contain_text("待办")
    expect(page.locator(".mainnav a.active")).to_contain_text("工作台")
    rows = page.locator("table[aria-label='事项列表'] tbody tr")
    expect(rows.first).to_be_visible()
    screenshot("1-queue")

    # The demo's market cases waiting to be signed (待签收) include the 玉林路 restaurant complaint.
    row = rows.filter(has_text="玉林路").filter(has_text="待签收")
    expect(row).to_have_count(1)
    row.get_by_role("link", name=re.compile("玉林路")).click()
    expect(page).to_have_url(re.compile(r"/work/instances/\d+$"))
    expect(page.locator("h1")).to_contain_text("玉林路")
    timeline = page.locator("section[aria-label='办理记录']")
    expect(timeline).to_contain_text("派单")
    screenshot("2-instance")

    actions = page.locator("section[aria-label='可办理的动作']")
    sign = actions.locator("details", has=page.locator("summary", has_text=re.compile(r"^签收$")))
    sign.locator("button[type=submit]").click()
    expect(page.locator(".notice[role=status]")).to_be_visible()
    expect(page.locator(".page-header")).to_contain_text("办理中")
    expect(timeline.locator("li").last).to_contain_text("签收")
    expect(timeline.locator("li").last).to_contain_text("staff.market")
    screenshot("3-signed")

    reply = actions.locator("details", has=page.locator("summary", has_text="办结反馈"))
    if reply.get_attribute("open") is None:
        reply.locator("summary").click()
    reply.locator("textarea[name=comment]").fill(COMMENT)
    reply.locator("button[type=submit]").click()
    expect(page.locator(".page-header")).to_contain_text("待审核答复")
    last = timeline.locator("li").last
    expect(last).to_contain_text("办结反馈")
    expect(last).to_contain_text(COMMENT)
    expect(last).to_contain_text("staff.market")
    screenshot("4-replied")

    # The case left the staff member's 待办 and now shows under 已办.
    page.goto(f"{live_server}/work?tab=done")
    expect(page.locator("table[aria-label='事项列表']")).to_contain_text("玉林路")
    screenshot("5-done")

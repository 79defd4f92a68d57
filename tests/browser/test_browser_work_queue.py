"""A department's staff member works a 12345 appeal in Chromium: log in, 待办, open it, 签收, 办结反馈, timeline; the
hotline's own page of the appeal follows the work queue. The demo's 一件事 waiting on the department shows in 待办 and
in the department's one-stop queue."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.hotline.models import Appeal

pytestmark = pytest.mark.browser

COMMENT = "已到现场核查，责令小吃店下架不新鲜食材并清理后厨，复查合格。"


def _appeal_id(settings: Settings, number: str) -> int:
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            appeal_id = session.scalar(select(Appeal.id).where(Appeal.number == number))
    finally:
        engine.dispose()
    assert appeal_id is not None, f"no hotline record for {number}"
    return appeal_id


def test_staff_signs_and_replies_to_an_appeal_from_the_work_queue(
    page: Page, live_server: str, live_settings: Settings, login, screenshot
):
    login(page, "staff.market", next_path="/work")
    expect(page).to_have_url(re.compile(r"/work"))
    expect(page.locator(".wf-tabs a.active")).to_contain_text("待办")
    expect(page.locator(".mainnav a.active")).to_contain_text("工作台")
    rows = page.locator("table[aria-label='事项列表'] tbody tr")
    expect(rows.first).to_be_visible()
    screenshot("1-queue")

    # The hotline demo's appeal dispatched to the market regulator and waiting to be signed (待签收): the 建设路
    # snack-shop complaint (hotline/demo_appeals.yaml, key 40).
    row = rows.filter(has_text="建设路").filter(has_text="小吃店").filter(has_text="待签收")
    expect(row).to_have_count(1)
    row.get_by_role("link", name=re.compile("小吃店")).click()
    expect(page).to_have_url(re.compile(r"/work/instances/\d+$"))
    expect(page.locator("h1")).to_contain_text("小吃店")
    match = re.search(r"appeal:(12345-\d{8}-\d{6})", page.locator(".page-header").inner_text())
    assert match, "an appeal case names its hotline number"
    number = match.group(1)
    expect(page.locator("#wf-subject-link")).to_have_text("查看诉求")
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
    done = page.locator("table[aria-label='事项列表']")
    expect(done).to_contain_text("小吃店")
    # The demo's 一件事 are one-stop applications (no bare workflow bundles): the regulator approved its branch of
    # the 开办餐饮店 application, so that case is under 已办 as well.
    expect(done.locator("tbody tr", has_text="开办餐饮店")).to_have_count(1)
    screenshot("5-done")

    # It is a real hotline appeal: 查看诉求 leads to its own page, which shows the state and the steps taken in the
    # work queue.
    done.locator("tbody tr", has_text=number).get_by_role("link", name="查看诉求").click()
    expect(page).to_have_url(f"{live_server}/hotline/appeals/{_appeal_id(live_settings, number)}")
    expect(page.locator("#appeal-state")).to_contain_text("待审核答复")
    for label in ("签收", "办结反馈"):
        expect(page.locator("#timeline")).to_contain_text(label)
    screenshot("6-hotline-appeal")


def test_staff_finds_a_one_stop_bundle_waiting_on_the_department(page: Page, live_server: str, login, screenshot):
    # The one-stop demo's 开办运输企业: 公安局 and 税务局 have approved, 交通运输局 is reviewing, and the regulator has
    # not taken in its item yet, so the case is in its 待办…
    login(page, "staff.market", next_path="/work")
    rows = page.locator("table[aria-label='事项列表'] tbody tr")
    bundle = rows.filter(has_text="开办运输企业")
    expect(bundle).to_have_count(1)
    expect(bundle).to_contain_text("各部门办理中")
    screenshot("1-todo")

    # …and in its one-stop queue of items to take in (待受理), 3 of the 5 items still open.
    page.goto(f"{live_server}/onestop/queue?status=pending")
    waiting = page.locator("table.os-queue tbody tr", has_text="开办运输企业")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("一件事")
    expect(waiting).to_contain_text("3/5")
    waiting.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/onestop/applications/\d+$"))
    expect(page.locator(".os-decide button[value='accept']")).to_have_count(1)
    screenshot("2-onestop-pending")

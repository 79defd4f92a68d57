"""政策直达 in Chromium: an officer writes, simulates and publishes a policy; an enterprise sees its grant and why."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

POLICY = """\
id: market-browser-quality-award
title: 质量提升奖励（浏览器测试）
subject: enterprise
summary: 在业且有参保职工的企业，一次性奖励。
valid_from: 2024-01-01
legal_reference:
  document_number: 成市监发〔2026〕8号
  issuer: 成都市市场监督管理局
  clause: 第二条
  source: https://example.gov.cn/policy/8
funding_department: market
budget: 5000
mode: confirm
parameters:
  threshold: {value: 3, label: 参保人数门槛, unit: 人}
  amount: {value: 8000, label: 奖励金额, unit: 元}
eligibility:
  all:
    - when: 'status in ["存续", "在业"]'
      label: 企业处于存续或在业状态
    - when: latest(insured_employees) >= threshold
      label: 上月参保职工达到门槛
award:
  kind: fixed
  amount: amount
"""


def test_officer_simulates_and_publishes_a_policy(page: Page, live_server: str, login, screenshot):
    login(page, "staff.market", next_path="/policies")
    expect(page).to_have_url(re.compile(r"/policies$"))
    expect(page.locator("#policy-table")).to_contain_text("中小微企业一次性留工培训补助")
    page.get_by_role("link", name="新建政策").first.click()
    expect(page.locator(".pol-catalogue")).to_contain_text("insured_employees")

    # A misspelt variable is pointed at by line and name; the corrected text validates and is saved.
    editor = page.locator("#policy-editor")
    editor.locator("textarea[name=source]").fill(POLICY.replace("(insured_employees)", "(insured_employes)"))
    editor.get_by_role("button", name="校验").click()
    expect(page.locator("#policy-issues")).to_contain_text("第 21 行")
    expect(page.locator("#policy-issues")).to_contain_text("insured_employes")
    screenshot("1-validation-error")
    page.locator("#policy-editor textarea[name=source]").fill(POLICY)
    page.locator("#policy-editor").get_by_role("button", name="校验").click()
    expect(page.locator("#policy-valid")).to_contain_text("校验通过")
    page.locator("#policy-editor").get_by_role("button", name="保存草稿").click()
    expect(page).to_have_url(re.compile(r"/policies/market-browser-quality-award\?version=1$"))
    expect(page.locator(".pol-flash")).to_contain_text("第 1 版草稿")

    # Simulation: cost, beneficiaries and ECharts distributions; the threshold what-if.
    page.get_by_role("link", name="测算与发布").click()
    expect(page.locator("#simulation-stats")).to_contain_text("受益主体")
    expect(page.locator("#chart-district canvas").first).to_be_attached()
    expect(page.locator("#over-budget")).to_contain_text("超出预算")
    screenshot("2-simulation")
    page.locator("#whatif-form input[name=p_threshold]").fill("100000")
    page.locator("#whatif-form").get_by_role("button", name="重新测算").click()
    expect(page.locator("#simulation-stats")).to_contain_text("预算内")
    page.get_by_role("link", name="恢复原值").click()

    # Publishing over budget without a rule is refused with the reason; with 追加预算 it is published.
    publish = page.locator("#publish-form")
    publish.get_by_role("button", name="发布").click()
    expect(page.locator("#publish-error")).to_contain_text("超出预算")
    expect(page.locator("#publish-error")).to_contain_text("不予发布")
    screenshot("3-refused")
    page.locator("#publish-form input[value=raise_budget]").check()
    page.locator("#publish-form").get_by_role("button", name="发布").click()
    expect(page).to_have_url(re.compile(r"/policies/market-browser-quality-award$"))
    expect(page.locator(".pol-flash")).to_contain_text("已发布")
    expect(page.locator(".pol-flash")).to_contain_text("个主体符合条件")
    expect(page.locator("#policy-matches")).to_be_visible()
    screenshot("4-published")


def test_enterprise_sees_its_grant_and_the_reason(page: Page, live_server: str, login, screenshot):
    login(page, "agent.demo", next_path="/policies")
    page.get_by_role("link", name="进入“我的政策”").click()
    expect(page).to_have_url(re.compile(r"/me/policies$"))
    matched = page.locator("#matched")
    # The demo city's agent enterprise qualifies for the 留工培训补助, paid in the demo's batch.
    article = matched.locator("article", has_text="中小微企业一次性留工培训补助")
    expect(article.locator(".pol-grants")).to_contain_text("已到账")
    expect(article.locator(".pol-why")).to_contain_text("符合条件")
    expect(article.locator(".pol-trace")).to_contain_text("参保")
    screenshot("1-matched")
    why_not = page.locator("#why-not")
    expect(why_not).to_contain_text("要求")
    first = why_not.locator("details.pol-why").first
    first.locator("summary").click()
    expect(first.locator(".pol-trace")).to_contain_text("不符合")
    screenshot("2-why-not")

"""The main pages as a person sees them in Chromium: home with charts and map, 一企一档, search, login and errors."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.kernel.actor import SYSTEM_ACTOR
from yiwang.registry import services as registry_services
from yiwang.registry.schemas import EnterpriseProfile, Overview
from yiwang.web.assets import vendor_ready

pytestmark = pytest.mark.browser


def _with_session(settings: Settings, work):
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            return work(session)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def overview(live_settings: Settings) -> Overview:
    return _with_session(live_settings, registry_services.overview)


@pytest.fixture(scope="module")
def profile(live_settings: Settings) -> EnterpriseProfile:
    """The 一企一档 of the seeded enterprise with records from the most departments among the first page."""

    def pick(session: Session) -> EnterpriseProfile:
        candidates = registry_services.search_enterprises(session, page_size=20).items
        profiles = [
            registry_services.get_enterprise_profile(session, actor=SYSTEM_ACTOR, uscc=item.uscc) for item in candidates
        ]
        return max(profiles, key=lambda p: len({s.department_code for s in p.sections if s.records}))

    return _with_session(live_settings, pick)


def _charts_expected(settings: Settings) -> bool:
    return vendor_ready(settings.frontend_dir)


def test_home_shows_the_city_from_the_data(page: Page, live_server: str, live_settings: Settings, overview):
    page.goto(f"{live_server}/")
    expect(page).to_have_title("首页 · 一网 yiwang")
    expect(page.locator("h1")).to_contain_text("城市数字政府")
    persons = page.locator(".stat-card", has_text="自然人")
    expect(persons).to_contain_text(f"{overview.persons:,}")
    expect(page.locator(".stat-card", has_text="市场主体")).to_contain_text(f"{overview.enterprises:,}")

    busiest = max(overview.enterprises_by_district, key=lambda item: item.count)
    card = page.locator("#chart-district-card")
    card.locator("summary").click()
    row = card.locator("tr", has_text=busiest.name)
    expect(row).to_be_visible()
    expect(row).to_contain_text(f"{busiest.count:,}")

    if _charts_expected(live_settings):
        # Every chart drew on a canvas and the map drew one outline per district of the city.
        for chart_id in ("chart-district", "chart-industry", "chart-department", "chart-kind"):
            expect(page.locator(f"#{chart_id}[data-rendered=true] canvas").first).to_be_attached()
        expect(page.locator("#district-map[data-rendered=true]")).to_be_attached()
        expect(page.locator("#district-map path.leaflet-interactive")).to_have_count(20)
        # Hovering the middle of the city shows the district under the pointer with its count and density.
        page.locator("#district-map").hover()
        expect(page.locator(".leaflet-tooltip")).to_contain_text("市场主体")
        expect(page.locator(".leaflet-tooltip")).to_contain_text("km²")
    else:
        expect(page.locator(".notice-warn")).to_contain_text("前端组件未安装")


def test_enterprise_file_shows_name_and_departments(page: Page, live_server: str, profile: EnterpriseProfile, login):
    enterprise = profile.enterprise
    login(page, "staff.market")
    page.goto(f"{live_server}/registry/enterprises/{enterprise.uscc}")
    expect(page.locator("body")).to_contain_text(enterprise.name)
    expect(page.locator("body")).to_contain_text(enterprise.uscc)
    departments = {section.department_name for section in profile.sections if section.records}
    assert departments
    for name in departments:
        expect(page.locator("body")).to_contain_text(name)


def test_search_from_the_home_page_finds_the_enterprise(
    page: Page, live_server: str, profile: EnterpriseProfile, screenshot, login
):
    enterprise = profile.enterprise
    login(page, "staff.market")
    page.goto(f"{live_server}/")
    page.get_by_role("searchbox").fill(enterprise.name)
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"/registry\?q="))
    assert parse_qs(urlsplit(page.url).query)["q"] == [enterprise.name]
    link = page.get_by_role("link", name=enterprise.name).first
    expect(link).to_be_visible()
    screenshot("results")
    link.click()
    expect(page).to_have_url(f"{live_server}/registry/enterprises/{enterprise.uscc}")
    expect(page.locator("body")).to_contain_text(enterprise.name)


def test_a_protected_page_sends_to_login_and_back(
    page: Page, live_server: str, profile: EnterpriseProfile, screenshot, login
):
    uscc = profile.enterprise.uscc
    page.goto(f"{live_server}/registry/enterprises/{uscc}")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.locator(".usernav-login")).to_be_visible()
    screenshot("login")
    login(page, "staff.tax", goto=False)
    expect(page).to_have_url(f"{live_server}/registry/enterprises/{uscc}")
    expect(page.locator(".usernav-name")).to_contain_text("税务局工作人员")
    expect(page.locator(".usernav-role")).to_contain_text("部门工作人员")
    expect(page.locator(".usernav")).to_contain_text("退出")


def test_missing_page_is_a_chinese_error_page(page: Page, live_server: str, login):
    login(page, "staff.market")
    response = page.goto(f"{live_server}/work/instances/999999")
    assert response is not None
    assert response.status == 404
    expect(page.locator(".error-page h1")).to_contain_text("不存在")
    expect(page.locator(".usernav-name")).to_be_visible()

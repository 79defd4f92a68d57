"""One 承诺 deadline per application: the applicant's and the department's pages show the moment the workflow
engine counted for the case (its work queue and case page), for a 一件事 bundle and for a single item.

Submitted early on a Sunday (北京时间), so the day of receipt is a rest day and the deadline is the end of working
hours (17:30) on the N-th working day after it; a moment stored in 北京时间 without its offset would read back as
01:30 the next day, which is how the two pages once came to disagree by a day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from onestop_helpers import DRIVER_ID, agent, citizen, staff
from sqlalchemy.orm import Session

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.kernel.actor import SYSTEM_ACTOR, Actor
from yiwang.onestop import demo, services
from yiwang.web import deps as web_deps
from yiwang.workflow import services as workflow_services
from yiwang.workflow.calendar import CITY_TZ

HTML = {"Accept": "text/html"}
SUNDAY_EARLY = dt.datetime(2026, 11, 28, 20, 30, tzinfo=dt.UTC)
"""北京时间 2026年11月29日（星期日）04:30."""
RIDE_HAILING = "510100-01-transport-002"
RIDE_FORM = {"applicant_phone": "13900001111", "platform_company": "蓉城出行", "exam_passed": False}
RESTAURANT = "yjs-restaurant"
REPRESENTATIVE = {"legal_representative": "王建国", "legal_rep_id_number": DRIVER_ID}
"""An agent's account pre-fills the enterprise, not its legal representative (as in the demo)."""


class Pages:
    """A test client acting as the actor each request names."""

    def __init__(self, client: TestClient, holder: dict[str, Actor]) -> None:
        self.client, self.holder = client, holder

    def get(self, actor: Actor, url: str) -> Response:
        self.holder["actor"] = actor
        page = self.client.get(url, headers=HTML)
        assert page.status_code == 200, (url, page.text[:300])
        return page


@pytest.fixture
def pages(settings: Settings) -> Iterator[Pages]:
    app = create_app(settings)
    holder: dict[str, Actor] = {"actor": SYSTEM_ACTOR}
    app.dependency_overrides[web_deps.get_actor] = lambda: holder["actor"]
    app.dependency_overrides[web_deps.get_optional_actor] = lambda: holder["actor"]
    with TestClient(app, follow_redirects=False) as client:
        yield Pages(client, holder)
    app.state.engine.dispose()


def _submit(session: Session, applicant: Actor, *, kind: str, code: str) -> tuple[int, int]:
    """Submit at ``SUNDAY_EARLY``: (application id, case id)."""
    start = {"bundle_code": code} if kind == "bundle" else {"item_code": code}
    draft = services.start_application(session, actor=applicant, now=SUNDAY_EARLY, **start)
    form = demo._fill(draft, REPRESENTATIVE) if kind == "bundle" else RIDE_FORM
    read = services.submit_application(
        session, actor=applicant, application_id=draft.id, form_data=form, now=SUNDAY_EARLY
    )
    assert read.status == "submitted"
    assert read.workflow_instance_id is not None
    return read.id, read.workflow_instance_id


@pytest.mark.parametrize(
    ("kind", "code", "expected"),
    [
        # 开办餐饮店: the bundle's longest 承诺时限 is 6 working days → Monday 11-30 … Monday 12-07.
        ("bundle", RESTAURANT, dt.datetime(2026, 12, 7, 17, 30, tzinfo=CITY_TZ)),
        # 网约车驾驶员证: 5 working days → Friday 12-04.
        ("item", RIDE_HAILING, dt.datetime(2026, 12, 4, 17, 30, tzinfo=CITY_TZ)),
    ],
)
def test_application_pages_show_the_case_deadline(
    session: Session, pages: Pages, kind: str, code: str, expected: dt.datetime
) -> None:
    applicant = agent() if kind == "bundle" else citizen(DRIVER_ID)
    application_id, case_id = _submit(session, applicant, kind=kind, code=code)

    read = services.get_application(session, actor=applicant, application_id=application_id)
    case = workflow_services.get_instance_view(session, actor=SYSTEM_ACTOR, instance_id=case_id)
    assert read.due_at == case.instance.due_at == expected
    for row in read.item_rows:
        # Each item's own deadline also ends with the working day, not at 01:30 of the next one.
        assert row.due_at is not None
        assert row.due_at.astimezone(CITY_TZ).time() == dt.time(17, 30), (row.item_code, row.due_at)

    moment = f"{expected.year}年{expected.month}月{expected.day}日 17:30"
    mine = pages.get(applicant, f"/me/applications/{application_id}")
    assert f"承诺 {moment} 前办结" in mine.text
    officer = staff(read.item_rows[0].department_code)
    department = pages.get(officer, f"/onestop/applications/{application_id}")
    assert f"承诺 {moment} 前办结" in department.text
    queue = pages.get(officer, "/work?tab=todo")
    assert f"整体 {moment}" in queue.text
    instance = pages.get(officer, f"/work/instances/{case_id}")
    assert f"<dt>整体办结时限</dt><dd>{moment}</dd>" in instance.text

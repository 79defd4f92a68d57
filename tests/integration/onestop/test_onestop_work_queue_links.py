"""From a work-queue case to its record: the case page and the queue link a 12345 appeal to its hotline page and an
application to its department page, the staff member who handles the case can open both, scope stays enforced,
and a case whose record nobody can show keeps its reference as plain text.

Here (beside the one-stop test city) because an application needs the catalogue and an applicant; the appeal is
recorded the way the hotline demo records one, with a fixed triager instead of the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from onestop_helpers import DRIVER_ID, citizen, staff
from sqlalchemy.orm import Session

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.hotline import services as hotline_services
from yiwang.hotline.schemas import AppealCreate
from yiwang.hotline.triage.result import TriageResult
from yiwang.identity.scopes import process_roles
from yiwang.kernel.actor import Actor
from yiwang.onestop import services as onestop_services
from yiwang.web import deps as web_deps
from yiwang.workflow import services as workflow_services
from yiwang.workflow import subjects

HTML = {"Accept": "text/html"}
RIDE_HAILING = "510100-01-transport-002"
RIDE_FORM = {"applicant_phone": "13900001111", "platform_company": "蓉城出行", "exam_passed": False}
OPERATOR = Actor(
    id="operator.12345",
    department="cityops",
    role="hotline_operator",
    display_name="12345热线话务员",
    roles=frozenset({"hotline_operator", *process_roles("hotline_operator", [], "cityops")}),
)
TRANSPORT = staff("transport")
POLICE = staff("police")


def _triage(session: Session, text: str, lon: float | None, lat: float | None, address: str | None) -> TriageResult:
    del session, text, lon, lat, address
    return TriageResult(
        type="投诉",
        category="010201",
        category_path=("城乡建设与管理", "市政设施", "路灯照明"),
        department="urban",
        also=(),
        district_code="510107",
        street_code="510107012",
        urgency="一般",
        redirect=None,
        redirect_reason=None,
        confidence=0.92,
        needs_review=False,
        model_version="test-1",
    )


class Pages:
    """A test client acting as the actor each request names (redirects are not followed)."""

    def __init__(self, client: TestClient, holder: dict[str, Actor]) -> None:
        self.client, self.holder = client, holder

    def get(self, actor: Actor, url: str) -> Response:
        self.holder["actor"] = actor
        return self.client.get(url, headers=HTML)


@pytest.fixture
def pages(settings: Settings) -> Iterator[Pages]:
    app = create_app(settings)
    holder: dict[str, Actor] = {"actor": TRANSPORT}
    app.dependency_overrides[web_deps.get_actor] = lambda: holder["actor"]
    app.dependency_overrides[web_deps.get_optional_actor] = lambda: holder["actor"]
    with TestClient(app, follow_redirects=False) as client:
        yield Pages(client, holder)
    app.state.engine.dispose()


def _appeal(session: Session) -> tuple[int, int, str]:
    """A phoned-in appeal the operator sends to the transport bureau: (appeal id, case id, number)."""
    data = AppealCreate.model_validate(
        {
            "channel": "phone",
            "content": "人民南路四段公交站台的电子站牌坏了好几天，看不到车辆到站时间",
            "address": "武侯区人民南路四段",
            "reporter_name": "赵先生",
            "reporter_phone": "13800138000",
            "department": "transport",
        }
    )
    appeal = hotline_services.create_appeal(session, actor=OPERATOR, data=data, triager=_triage)
    assert appeal.instance_id is not None
    assert appeal.state == "签收", appeal.state  # dispatched at once: the operator chose the unit
    return appeal.id, appeal.instance_id, appeal.number


def _application(session: Session) -> tuple[int, int, str]:
    """A submitted ride-hailing driver's permit waiting at the transport bureau: (application id, case id, number)."""
    driver = citizen(DRIVER_ID)
    draft = onestop_services.start_application(session, actor=driver, item_code=RIDE_HAILING)
    read = onestop_services.submit_application(session, actor=driver, application_id=draft.id, form_data=RIDE_FORM)
    assert read.workflow_instance_id is not None
    return read.id, read.workflow_instance_id, read.number


def _link(html: str, label: str) -> str:
    found = re.search(rf'<a href="([^"]+)"[^>]*>{label}</a>', html)
    assert found, f"no 「{label}」 link on the page"
    return found.group(1)


def test_case_page_and_queue_link_an_appeal_and_an_application_to_their_pages(session: Session, pages: Pages) -> None:
    appeal_id, appeal_case, number = _appeal(session)
    application_id, application_case, application_number = _application(session)

    for case, label, target, record in (
        (appeal_case, "查看诉求", f"/hotline/appeals/{appeal_id}", number),
        (application_case, "查看申请", f"/onestop/applications/{application_id}", application_number),
    ):
        page = pages.get(TRANSPORT, f"/work/instances/{case}")
        assert page.status_code == 200, page.text[:300]
        assert _link(page.text, label) == target
        opened = pages.get(TRANSPORT, target)
        assert opened.status_code == 200, (target, opened.text[:300])
        assert record in opened.text

    # The queue names the kind of record without looking each one up; following the link finds it.
    queue = pages.get(TRANSPORT, "/work?tab=todo")
    assert queue.status_code == 200
    for case, label, target in (
        (appeal_case, "查看诉求", f"/hotline/appeals/{appeal_id}"),
        (application_case, "查看申请", f"/onestop/applications/{application_id}"),
    ):
        assert f'<a href="/work/instances/{case}/subject">{label}</a>' in queue.text
        followed = pages.get(TRANSPORT, f"/work/instances/{case}/subject")
        assert followed.status_code == 303
        assert followed.headers["location"] == target


def test_scope_stays_with_the_case_and_the_record(session: Session, pages: Pages) -> None:
    appeal_id, appeal_case, _number = _appeal(session)
    # Another department sees neither the case, nor where it leads, nor the appeal itself.
    assert pages.get(POLICE, f"/work/instances/{appeal_case}").status_code == 404
    assert pages.get(POLICE, f"/work/instances/{appeal_case}/subject").status_code == 404
    assert pages.get(POLICE, f"/hotline/appeals/{appeal_id}").status_code == 404


def test_a_reference_nobody_can_show_stays_plain_text(session: Session, pages: Pages) -> None:
    for ref in ("appeal:12345-20260101-999999", "incident:42"):
        case = workflow_services.start_instance(
            session, actor=OPERATOR, definition_key="appeal", subject_ref=ref, title="路灯不亮"
        )
        page = pages.get(OPERATOR, f"/work/instances/{case.id}")
        assert page.status_code == 200, page.text[:300]
        assert f"业务编号 {ref} · 当前状态" in page.text
        assert 'id="wf-subject-link"' not in page.text
        missing = pages.get(OPERATOR, f"/work/instances/{case.id}/subject")
        assert missing.status_code == 404
    assert subjects.link_for(session, "onestop:YW20261129ABCD") is None  # a rating's reference, not a case's
    assert subjects.link_label("appeal") is None

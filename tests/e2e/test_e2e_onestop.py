"""一网通办 acceptance: 开办餐饮店 pre-filled with no uploads, five departments in parallel, every certificate
issued, one verified, the service rated; a tampered certificate fails verification; 四个减 from the real case."""

from __future__ import annotations

import copy
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from yiwang.certs import services as certs_services
from yiwang.onestop import services

_HELPERS = Path(__file__).parents[1] / "integration" / "onestop" / "onestop_helpers.py"
_spec = importlib.util.spec_from_file_location("onestop_helpers", _HELPERS)
assert _spec is not None
assert _spec.loader is not None
helpers = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("onestop_helpers", helpers)
_spec.loader.exec_module(helpers)

BUNDLE = "yjs-restaurant"
FORM = {
    "agent_name": "张经办",
    "agent_phone": "13900003333",
    "enterprise_type": "有限责任公司",
    "registered_capital": 50,
    "business_scope": "餐饮服务；食品销售",
    "legal_representative": "王建国",
    "legal_rep_id_number": helpers.DRIVER_ID,
    "business_category": "热食类食品制售",
    "main_format": "餐饮服务经营者",
    "food_safety_manager": "刘食安",
    "business_area_m2": 120,
    "seal_types": ["单位公章", "发票专用章"],
    "accounting_method": "独立核算",
    "taxpayer_type": "小规模纳税人",
    "invoice_types": ["数电发票（普通发票）"],
    "bank_name": "成都银行武侯支行",
    "bank_account": "6228480402564890018",
    "first_month_employees": 6,
}


@pytest.fixture
def db_url(db_factory: Any) -> Iterator[str]:
    """The one-stop test city (master data, catalogue, people, an enterprise)."""
    url = db_factory.clone(db_factory.template("onestop_city", prepare=helpers.prepare))
    yield url
    db_factory.release(url)


def test_restaurant_bundle_end_to_end(session: Session) -> None:
    applicant = helpers.agent()
    draft = services.start_application(session, actor=applicant, bundle_code=BUNDLE)
    assert {p.field for p in draft.prefilled} >= {"enterprise_name", "enterprise_address", "uscc"}
    assert not [m for m in draft.materials if m.required and m.status == "needed"], "no upload is asked"
    waived = [m for m in draft.materials if m.status == "waived"]
    assert len(waived) >= 5
    assert all(m.waived_reason.startswith("免提交") for m in waived)

    saved = services.save_draft(
        session, actor=applicant, application_id=draft.id, form_data={"agent_name": "张经办"}, expected_version=1
    )
    submitted = services.submit_application(
        session, actor=applicant, application_id=draft.id, form_data=FORM, expected_version=saved.version
    )
    assert submitted.status == "submitted"
    departments = sorted({i.department_code for i in submitted.item_rows})
    assert departments == ["hrss", "market", "medins", "police", "tax"]
    assert all(i.status == "pending" and i.due_at is not None for i in submitted.item_rows)

    # Each department accepts and approves its own items; they work in parallel, in any order.
    last = None
    for department in reversed(departments):
        officer = helpers.staff(department)
        queue = services.department_queue(session, actor=officer, status="pending")
        assert [row.number for row in queue.items] == [submitted.number]
        for item in (i for i in submitted.item_rows if i.department_code == department):
            services.accept_item(session, actor=officer, application_id=draft.id, item_code=item.item_code)
            last = services.approve_item(session, actor=officer, application_id=draft.id, item_code=item.item_code)
            assert last.certificate_number
    assert last is not None
    done = last.application
    assert (done.status, done.outcome) == ("completed", "approved")
    assert len(done.certificates) == len(done.item_rows) == 7

    # The applicant's result package: every certificate verifies; a tampered copy does not.
    mine = services.get_application(session, actor=applicant, application_id=draft.id)
    assert mine.certificates == done.certificates
    assert certs_services.verify(session, mine.certificates[0]).status == "valid"
    certificate = certs_services.find_valid(session, holder_id=helpers.USCC, cert_type="business_licence")
    assert certificate is not None
    assert certificate.number in mine.certificates
    document = certs_services.signed_document(session, actor=applicant, certificate_id=certificate.number)
    assert certs_services.verify(session, document).status == "valid"
    tampered = copy.deepcopy(document)
    tampered["credentialSubject" if "credentialSubject" in tampered else "payload"] = {"name": "伪造"}
    assert certs_services.verify(session, tampered).status == "tampered"

    # 好差评 for the lead department, once.
    assert mine.can_rate
    rating = services.rate_application(session, actor=applicant, application_id=draft.id, level=5, comment="很方便")
    assert rating.department_code == "market"
    assert services.get_application(session, actor=applicant, application_id=draft.id).rating_id == rating.id

    # 四个减 from this real application: no trips, no uploads, fewer steps than the separate-item baseline.
    figures = services.savings(session, item_or_bundle_code=BUNDLE)
    assert figures.completed_applications == 1
    assert figures.trips.actual == 0
    assert figures.materials.actual == 0
    assert figures.waived_materials == len(waived)
    assert figures.steps.actual < figures.steps.baseline

"""onestop: demo applications for ``yiwang demo`` and the browser tests (idempotent, made through the services).

After the catalogue and certs demos, the demo applicants apply the way people do: ``agent.demo`` opens a restaurant
(开办餐饮店, five departments approve in parallel, every certificate issued), applies for a 食品经营许可 on a signed
告知承诺 (approved, post-check pending at the market regulator), for 发票申领 (the tax bureau asked for a 补正) and,
a few hours ago, to open a freight company (开办运输企业, part-way through its parallel branches: 公安局 and 税务局
approved, 交通运输局 reviewing one item, 市场监管局 yet to take its item in, so a 一件事 waits in the regulator's queue
and 待办); ``citizen.demo`` applies for the 网约车驾驶员证, decided at once by 秒批 when the registry's facts satisfy
every rule (its trace is kept either way). Moments lie in the recent past so queues and timelines read like real work.

Nothing is made when the demo applicants already have applications, or when their accounts do not exist.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yiwang.config import Settings
from yiwang.db import utcnow
from yiwang.identity.scopes import Role, process_roles
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import NotFoundError, YiwangError
from yiwang.logs import get_logger
from yiwang.onestop import services
from yiwang.onestop.models import Application
from yiwang.onestop.schemas import ApplicationRead

log = get_logger("yiwang.onestop.demo")

AGENT = "agent.demo"
CITIZEN = "citizen.demo"
RESTAURANT = "yjs-restaurant"
FOOD_LICENCE = "510100-01-market-002"
INVOICES = "510100-10-tax-002"
RIDE_HAILING = "510100-01-transport-002"
TRANSPORT_COMPANY = "yjs-transport-company"
DEMO_PDF = b"%PDF-1.4\n% yiwang demo material\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
"""A minimal PDF standing in for a scanned material the demo applicant uploads."""

SETUP = Actor(
    id="demo-setup",
    department="cityops",
    role=Role.PLATFORM_ADMIN,
    display_name="演示环境初始化",
    roles=frozenset({Role.PLATFORM_ADMIN}),
)
"""Reads the demo accounts and, audited, the representative's ID number to act as ``citizen.demo``."""

ANSWERS: dict[str, Any] = {
    "agent_name": "张经办",
    "agent_phone": "13900003333",
    "applicant_phone": "13900001111",
    "enterprise_type": "有限责任公司",
    "registered_capital": 50,
    "business_scope": "餐饮服务；食品销售",
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
    "platform_company": "蓉城出行",
    "exam_passed": True,
}
"""What the demo applicants type into the fields the government could not pre-fill."""

TRANSPORT_ANSWERS: dict[str, Any] = {
    "business_scope": "普通货运",  # one of the transport bureau's scopes, and the business licence's too
    "vehicle_count": 2,
    "safety_manager": "赵安运",
    "plate_numbers": ["川A7D23K", "川A8F61M"],
    "vehicle_type": "普通货车",
}
"""The 开办运输企业's own answers: a small freight company with two lorries (synthetic plates)."""


@dataclass(slots=True)
class _Demo:
    session: Session
    now: dt.datetime
    made: list[str]
    representative_id: str | None  # the enterprise's legal representative (citizen.demo)
    representative_name: str | None

    def at(self, days: float, hours: float = 0) -> dt.datetime:
        """A moment ``days`` (and ``hours``) before now."""
        return self.now - dt.timedelta(days=days, hours=hours)


def prepare(session: Session, *, settings: Settings) -> str | None:
    """Create the demo applications if the demo applicants have none; return one console line."""
    del settings
    number = _citizen_number(session)
    agent, citizen = _applicant(session, AGENT, number), _applicant(session, CITIZEN, number)
    if agent is None and citizen is None:
        return None
    existing = session.scalar(
        select(func.count())
        .select_from(Application)
        .where(Application.applicant_account_id.in_([a.id for a in (agent, citizen) if a is not None]))
    )
    if existing:
        return f"一网通办：演示申请 {existing} 件已存在 / {existing} demo applications present"
    demo = _Demo(
        session=session,
        now=utcnow(),
        made=[],
        representative_id=number,
        representative_name=_representative_name(session) if number else None,
    )
    steps: list[tuple[str, Actor | None, Callable[[_Demo, Actor], str]]] = [
        ("开办餐饮店", agent, _restaurant),
        ("食品经营许可（告知承诺）", agent, _food_licence_by_commitment),
        ("发票申领（待补正）", agent, _invoices_awaiting_correction),
        ("开办运输企业（并联办理中）", agent, _transport_company_in_progress),
        ("网约车驾驶员证（秒批）", citizen, _ride_hailing),
    ]
    skipped: list[str] = []
    for label, applicant, make in steps:
        if applicant is None:
            skipped.append(f"{label}：无演示账户")
            continue
        try:
            demo.made.append(make(demo, applicant))
        except YiwangError as exc:
            # The catalogue may change under the demo (a new required field, a retired item): the rest of the
            # demo still runs and the console says what could not be made.
            session.rollback()
            log.warning("onestop_demo_skipped", application=label, error=exc.message)
            skipped.append(f"{label}：{exc.message}")
    line = f"一网通办：演示申请 {len(demo.made)} 件（{'；'.join(demo.made)}）"
    if skipped:
        line += f"，未生成 {len(skipped)} 件（{'；'.join(skipped)}）"
    return line + f" / {len(demo.made)} demo applications"


# --- who applies and who decides ------------------------------------------------------------------------------------


def _applicant(session: Session, username: str, person_id_number: str | None) -> Actor | None:
    """The acting identity of a demo applicant account (as login builds it), or None without the account."""
    from yiwang.identity import services as identity  # noqa: PLC0415 - identity is only needed by the demo

    try:
        account = identity.get_account(session, actor=SETUP, username=username)
    except NotFoundError:
        return None
    roles = frozenset({account.role, *process_roles(account.role, [], account.department_code)})
    base = Actor(
        id=account.username,
        department=account.department_code,
        role=account.role,
        display_name=account.display_name,
        roles=roles,
        district_code=account.district_code,
    )
    if account.role == Role.ENTERPRISE_AGENT:
        return replace(base, enterprise_uscc=account.enterprise_uscc) if account.enterprise_uscc else None
    if person_id_number is None or username not in identity.subject_accounts(
        session, person_id_number=person_id_number
    ):
        return None
    return replace(base, person_id_number=person_id_number)


def _citizen_number(session: Session) -> str | None:
    """``citizen.demo`` is the first enterprise's legal representative: their ID number, read unmasked (audited)."""
    from yiwang.registry import services as registry  # noqa: PLC0415 - the registry is only needed by the demo

    enterprises = registry.search_enterprises(session, page_size=1).items
    if not enterprises:
        return None
    persons = registry.search_persons(session, q=enterprises[0].legal_representative, page_size=1).items
    if not persons:
        return None
    profile = registry.get_person_profile_by_ref(
        session,
        actor=SETUP,
        ref=persons[0].ref,
        purpose="一网通办演示申请",
        unmask=True,
        unmask_purpose="一网通办演示：以演示市民本人身份办理",
    )
    return profile.person.id_number


def _representative_name(session: Session) -> str | None:
    """The name of the first enterprise's legal representative (``citizen.demo``), as the registry lists it."""
    from yiwang.registry import services as registry  # noqa: PLC0415 - the registry is only needed by the demo

    enterprises = registry.search_enterprises(session, page_size=1).items
    return enterprises[0].legal_representative if enterprises else None


def _staff(department: str) -> Actor:
    """A department's staff (``staff.<code>``, as the demo accounts are named)."""
    return Actor(
        id=f"staff.{department}",
        department=department,
        role=Role.DEPARTMENT_STAFF,
        display_name=f"{department}工作人员（演示）",
        roles=frozenset({Role.DEPARTMENT_STAFF, *process_roles(Role.DEPARTMENT_STAFF, [], department)}),
    )


# --- the applications ---------------------------------------------------------------------------------------------


def _fill(draft: ApplicationRead, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The pre-filled answers, the demo's typed answers for the rest of the form, and a sensible value otherwise."""
    schema = draft.form_schema
    properties: dict[str, Any] = schema.get("properties", {})
    form = dict(draft.form_data)
    for name in schema.get("required", []):
        if name in form:
            continue
        form[name] = ANSWERS[name] if name in ANSWERS else _guess(properties.get(name, {}))
    form.update(overrides or {})
    return form


def _representative(demo: _Demo) -> dict[str, Any]:
    """The legal representative for 企业设立登记: an enterprise agent's account has no name or ID number to pre-fill."""
    found = {"legal_representative": demo.representative_name, "legal_rep_id_number": demo.representative_id}
    return {field: value for field, value in found.items() if value}


def _guess(spec: Mapping[str, Any]) -> Any:
    if "enum" in spec:
        return spec["enum"][0]
    kind = spec.get("type")
    if kind == "array":
        items = spec.get("items", {})
        return [items["enum"][0]] if "enum" in items else ["演示"]
    if kind in {"number", "integer"}:
        return max(int(spec.get("minimum", 1)), 1)
    if kind == "boolean":
        return True
    if "1[0-9]{10}" in str(spec.get("pattern", "")):
        return "13900003333"
    return "演示填写"


def _upload_needed(demo: _Demo, applicant: Actor, draft: ApplicationRead, at: dt.datetime) -> None:
    for material in draft.materials:
        if material.required and material.status == "needed":
            services.upload_material(
                demo.session,
                actor=applicant,
                application_id=draft.id,
                material_code=material.code,
                file_name=f"{material.name}.pdf",
                content_type="application/pdf",
                content=DEMO_PDF,
                now=at,
            )


def _restaurant(demo: _Demo, agent: Actor) -> str:
    """开办餐饮店 submitted four days ago; every department accepted and approved; all certificates issued."""
    session = demo.session
    draft = services.start_application(session, actor=agent, bundle_code=RESTAURANT, now=demo.at(4, 2))
    _upload_needed(demo, agent, draft, demo.at(4, 1))
    submitted = services.submit_application(
        session,
        actor=agent,
        application_id=draft.id,
        form_data=_fill(draft, _representative(demo)),
        now=demo.at(4),
    )
    for position, row in enumerate(submitted.item_rows):
        clerk = _staff(row.department_code)
        services.accept_item(
            session, actor=clerk, application_id=draft.id, item_code=row.item_code, now=demo.at(3, -position)
        )
        services.approve_item(
            session, actor=clerk, application_id=draft.id, item_code=row.item_code, now=demo.at(2, -position)
        )
    done = services.get_application(session, actor=agent, application_id=draft.id)
    return f"{done.name}{_status(done)}，证照 {len(done.certificates)} 份"


def _food_licence_by_commitment(demo: _Demo, agent: Actor) -> str:
    """食品经营许可 on a signed 告知承诺: approved yesterday, the market regulator's post-check is pending."""
    session = demo.session
    draft = services.start_application(session, actor=agent, item_code=FOOD_LICENCE, now=demo.at(2, 3))
    services.sign_commitment(session, actor=agent, application_id=draft.id, item_code=FOOD_LICENCE, now=demo.at(2, 2))
    read = services.get_application(session, actor=agent, application_id=draft.id)
    _upload_needed(demo, agent, read, demo.at(2, 2))
    services.submit_application(session, actor=agent, application_id=draft.id, form_data=_fill(read), now=demo.at(2))
    market = _staff("market")
    services.accept_item(session, actor=market, application_id=draft.id, item_code=FOOD_LICENCE, now=demo.at(1, 4))
    services.approve_item(session, actor=market, application_id=draft.id, item_code=FOOD_LICENCE, now=demo.at(1))
    done = services.get_application(session, actor=agent, application_id=draft.id)
    return f"{done.name}{_status(done)}，告知承诺待核查"


def _invoices_awaiting_correction(demo: _Demo, agent: Actor) -> str:
    """发票申领 submitted yesterday; the tax bureau accepted it and asked for the invoice types to be corrected."""
    session = demo.session
    draft = services.start_application(session, actor=agent, item_code=INVOICES, now=demo.at(1, 6))
    _upload_needed(demo, agent, draft, demo.at(1, 5))
    services.submit_application(session, actor=agent, application_id=draft.id, form_data=_fill(draft), now=demo.at(1))
    tax = _staff("tax")
    services.accept_item(session, actor=tax, application_id=draft.id, item_code=INVOICES, now=demo.at(0, 6))
    fields = [f for f in ("invoice_types", "monthly_quota_yuan") if f in draft.form_schema.get("properties", {})]
    asked = services.request_correction(
        session,
        actor=tax,
        application_id=draft.id,
        item_code=INVOICES,
        reason="首次申领增值税专用发票需说明月领用限额，请补充“每月领用限额”并核对发票种类",
        fields=fields or [next(iter(draft.form_schema.get("properties", {"invoice_types": {}})))],
        now=demo.at(0, 5),
    ).application
    return f"{asked.name}{_status(asked)}"


TRANSPORT_DECIDED = {"police": "approve", "tax": "approve", "transport": "accept"}
"""How far each department of the 开办运输企业 has got; the market regulator has not yet taken its item in."""


def _transport_company_in_progress(demo: _Demo, agent: Actor) -> str:
    """开办运输企业 submitted a few hours ago, part-way through its parallel branches.

    公安局 and 税务局 approved their same-day items, 交通运输局 took in the first of its two and 市场监管局 has not
    taken in its 企业设立登记 yet: departments then find a 一件事 waiting in their queue and in 待办.
    """
    session = demo.session
    draft = services.start_application(session, actor=agent, bundle_code=TRANSPORT_COMPANY, now=demo.at(0, 6))
    _upload_needed(demo, agent, draft, demo.at(0, 6))
    submitted = services.submit_application(
        session,
        actor=agent,
        application_id=draft.id,
        form_data=_fill(draft, TRANSPORT_ANSWERS | _representative(demo)),
        now=demo.at(0, 5),
    )
    taken: set[str] = set()  # one item per department: the rest of a department's items wait their turn
    steps = 0
    for row in submitted.item_rows:
        step = TRANSPORT_DECIDED.get(row.department_code)
        if step is None or row.department_code in taken:
            continue
        taken.add(row.department_code)
        clerk = _staff(row.department_code)
        decide = [services.accept_item] + ([services.approve_item] if step == "approve" else [])
        for action in decide:
            # Twenty minutes apart from four hours ago, so the case's timeline reads in order.
            action(
                session, actor=clerk, application_id=draft.id, item_code=row.item_code, now=demo.at(0, 4 - steps / 3)
            )
            steps += 1
    read = services.get_application(session, actor=agent, application_id=draft.id)
    decided = sum(1 for row in read.item_rows if row.status == "approved")
    return f"{read.name}{_status(read)}，{decided} 项已准予、{len(read.item_rows) - decided} 项并联办理中"


def _ride_hailing(demo: _Demo, citizen: Actor) -> str:
    """网约车驾驶员证: the police hold the citizen's driving licence since 2016, so 秒批 decides at submit."""
    session = demo.session
    _ensure_driving_licence(session, citizen)
    draft = services.start_application(session, actor=citizen, item_code=RIDE_HAILING, now=demo.at(0, 3))
    _upload_needed(demo, citizen, draft, demo.at(0, 3))
    done = services.submit_application(
        session, actor=citizen, application_id=draft.id, form_data=_fill(draft), now=demo.at(0, 2)
    )
    how = "秒批通过" if done.item_rows and done.item_rows[0].instant else "秒批未通过，转人工审核"
    return f"{done.name}{_status(done)}（{how}）"


def _ensure_driving_licence(session: Session, citizen: Actor) -> None:
    """Give the demo citizen a driving licence in the police's shared records (synthetic), unless one is there."""
    from yiwang.registry import services as registry  # noqa: PLC0415 - the registry is only needed by the demo

    number = citizen.person_id_number or ""
    profile = registry.get_person_profile(
        session, actor=SETUP, id_number=number, purpose="一网通办演示申请", legal_basis=services.PREFILL_LEGAL_BASIS
    )
    for section in profile.sections:
        if any(getattr(record, "cert_type", None) == "机动车驾驶证" for record in section.records):
            return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["公民身份号码", "证照类型", "证照编号", "持证主体", "发证机关", "发证日期", "有效期至"])
    writer.writerow(
        [
            number,
            "机动车驾驶证",
            f"DL{number[-8:]}",
            profile.person.name,
            "成都市公安局交通管理局",
            "2016-04-12",
            "2032-04-12",
        ]
    )
    registry.import_records(
        session,
        kind="certificate",
        data=buffer.getvalue().encode("utf-8"),
        filename="演示驾驶证.csv",
        owner_department="police",
        actor=SETUP,
    )


def _status(read: ApplicationRead) -> str:
    return f"（{read.status_label}）"

"""Test data of the one-stop tests: a city with master data, the catalogue, applicants, and actors.

The template (built once per run, cloned per test) holds the divisions, the departments, the published catalogue
(real items and bundles from ``catalogue/data``), two drivers (one with a driving licence held since 2015, one
licensed last year), a person under a criminal judgment, and an enterprise. Actors are built as
``identity.services.to_actor`` builds them for the demo accounts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import insert

from yiwang.catalogue import services as catalogue_services
from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.geo import services as geo_services
from yiwang.identity.scopes import process_roles
from yiwang.kernel.actor import SYSTEM_ACTOR, Actor
from yiwang.registry import models as registry_models
from yiwang.registry import rules as registry_rules
from yiwang.registry import services as registry_services
from yiwang.registry.schemas import EnterpriseCreate, PersonCreate

DRIVER_ID = "510107199003071236"  # 王建国, licensed since 2015
NOVICE_ID = "510104199502140022"  # 李新手, licensed last year
USCC = "91510107MA6CAB1262"  # 成都锦程餐饮管理有限公司
STREET = "510107001"
TODAY = registry_rules.city_today()


def _person(session: Any, number: str, name: str, district: str) -> None:
    registry_services.create_person(
        session,
        data=PersonCreate(
            name=name,
            id_number=number,
            household_address=f"成都市{name}住址1号",
            household_district_code=district,
            household_street_code=STREET if district == "510107" else None,
            phone="13812345678",
        ),
    )


def _licence(number: str, issued: dt.date) -> dict[str, Any]:
    return {
        "subject_kind": "person",
        "subject_code": number,
        "synthetic": True,
        "owner_department": "police",
        "source_system": "公安交管信息系统",
        "cert_type": "机动车驾驶证",
        "cert_number": f"DL-{number[-6:]}",
        "holder_name": "持证人",
        "issuing_authority": "成都市公安局交通管理局",
        "issued_on": issued,
        "valid_to": TODAY + dt.timedelta(days=2000),
    }


def prepare(url: str) -> None:
    """Master data, departments, catalogue, people with records, an enterprise."""
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        geo_services.load_master_data(session, settings=Settings(database_url=url, grid_cell_m=5000))
        registry_services.load_departments(session)
        _person(session, DRIVER_ID, "王建国", "510107")
        _person(session, NOVICE_ID, "李新手", "510104")
        registry_services.create_enterprise(
            session,
            data=EnterpriseCreate(
                uscc=USCC,
                name="成都锦程餐饮管理有限公司",
                entity_type="有限责任公司",
                legal_representative="王建国",
                legal_representative_id=DRIVER_ID,
                industry_section="H",
                industry_division="62",
                registered_capital=Decimal(100),
                founded_on=dt.date(2015, 6, 1),
                district_code="510107",
                street_code=STREET,
                address="成都市武侯区浆洗街街道洗面桥街8号",
            ),
        )
        session.execute(
            insert(registry_models.Certificate),
            [_licence(DRIVER_ID, dt.date(2015, 3, 1)), _licence(NOVICE_ID, TODAY - dt.timedelta(days=300))],
        )
        session.commit()
        catalogue_services.load_catalogue(session, actor=SYSTEM_ACTOR)
    engine.dispose()


def staff(department: str, *, username: str | None = None) -> Actor:
    """A department's staff account as identity builds it."""
    return Actor(
        id=username or f"staff.{department}",
        department=department,
        role="department_staff",
        display_name=f"{department}工作人员",
        roles=frozenset({"department_staff", *process_roles("department_staff", [], department)}),
    )


def citizen(number: str = DRIVER_ID, username: str = "citizen.demo") -> Actor:
    """A citizen bound to a person."""
    return Actor(
        id=username,
        department=None,
        role="citizen",
        display_name="市民",
        roles=frozenset({"citizen"}),
        person_id_number=number,
    )


def agent(uscc: str = USCC, username: str = "agent.demo") -> Actor:
    """An enterprise agent bound to an enterprise."""
    return Actor(
        id=username,
        department=None,
        role="enterprise_agent",
        display_name="张经办",
        roles=frozenset({"enterprise_agent"}),
        enterprise_uscc=uscc,
    )


ADMIN = Actor(
    id="admin",
    department="cityops",
    role="platform_admin",
    display_name="平台管理员",
    roles=frozenset({"platform_admin", "platform"}),
)
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
"""The smallest thing that passes the upload's content check as a PDF."""

"""Test data of the access tests: a small city (master data, a person, an enterprise) and one account per role.

Every account logs in with a real bearer token; the resources (a workflow case, a rating with its
rectification, an in-app message) are created through the services of their contexts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.geo import services as geo_services
from yiwang.identity import services as identity_services
from yiwang.identity.schemas import AccountCreate
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import CONSOLE_ACTOR, SYSTEM_ACTOR
from yiwang.notify.models import InboxMessage
from yiwang.ratings import services as ratings_services
from yiwang.registry import services as registry_services
from yiwang.registry.schemas import EnterpriseCreate, PersonCreate
from yiwang.workflow import services as workflow_services

PERSON_ID = "510107199003071236"
PERSON_STREET = "510107001"
USCC = "91510107MA6CAB1262"
ENTERPRISE_NAME = "成都锦程餐饮管理有限公司"
OTHER_DISTRICT = "510104"


def prepare(url: str) -> None:
    """Fill a migrated database with the master data, the departments, a person and an enterprise."""
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        geo_services.load_master_data(session, settings=Settings(database_url=url, grid_cell_m=5000))
        registry_services.load_departments(session)
        registry_services.create_person(
            session,
            data=PersonCreate(
                name="王建国",
                id_number=PERSON_ID,
                household_address="成都市武侯区浆洗街街道洗面桥街8号",
                household_district_code="510107",
                household_street_code=PERSON_STREET,
                phone="13812345678",
            ),
        )
        registry_services.create_enterprise(
            session,
            data=EnterpriseCreate(
                uscc=USCC,
                name=ENTERPRISE_NAME,
                entity_type="有限责任公司",
                legal_representative="王建国",
                legal_representative_id=PERSON_ID,
                industry_section="H",
                industry_division="62",
                registered_capital=Decimal(100),
                founded_on=dt.date(2015, 6, 1),
                district_code="510107",
                street_code=PERSON_STREET,
                address="成都市武侯区浆洗街街道洗面桥街8号",
            ),
        )
    engine.dispose()


@dataclass
class World:
    """The accounts (name → bearer token and account id) and the ids of the protected resources."""

    tokens: dict[str, str]
    account_ids: dict[str, str]
    instance_id: int
    rating_id: int
    rectification_ids: dict[str, int]
    message_id: int

    def headers(self, account: str) -> dict[str, str]:
        """The Authorization header of an account."""
        return {"Authorization": f"Bearer {self.tokens[account]}"}


def _accounts(session: Session) -> dict[str, dict[str, Any]]:
    own_grid = geo_services.list_grids(session, street_code=PERSON_STREET, page_size=1).items[0].code
    other_grid = geo_services.list_grids(session, district_code=OTHER_DISTRICT, page_size=1).items[0].code
    return {
        "citizen": {"role": Role.CITIZEN, "person_id_number": PERSON_ID},
        "enterprise_agent": {"role": Role.ENTERPRISE_AGENT, "enterprise_uscc": USCC},
        "staff_cityops": {"role": Role.DEPARTMENT_STAFF, "department_code": "cityops"},
        "staff_market": {"role": Role.DEPARTMENT_STAFF, "department_code": "market"},
        "staff_tax": {"role": Role.DEPARTMENT_STAFF, "department_code": "tax"},
        "hotline_operator": {"role": Role.HOTLINE_OPERATOR, "department_code": "cityops"},
        "dispatcher": {"role": Role.DISPATCHER, "department_code": "cityops"},
        "grid_own": {"role": Role.GRID_WORKER, "grid_code": own_grid},
        "grid_other": {"role": Role.GRID_WORKER, "grid_code": other_grid},
        "leader_own": {"role": Role.LEADER, "district_code": "510107"},
        "leader_other": {"role": Role.LEADER, "district_code": OTHER_DISTRICT},
        "platform_admin": {"role": Role.PLATFORM_ADMIN},
    }


ACCOUNTS = (
    "citizen",
    "enterprise_agent",
    "staff_cityops",
    "staff_market",
    "staff_tax",
    "hotline_operator",
    "dispatcher",
    "grid_own",
    "grid_other",
    "leader_own",
    "leader_other",
    "platform_admin",
)
"""Every role, with own/other variants where the scope is a department, a grid or a district."""


def build_world(session: Session) -> World:
    """Open one account per role (with a bearer token) and create one resource of each kind."""
    tokens: dict[str, str] = {}
    account_ids: dict[str, str] = {}
    for name, scope in _accounts(session).items():
        username = name.replace("_", ".")
        identity_services.create_account(
            session, actor=SYSTEM_ACTOR, data=AccountCreate(username=username, display_name=name, **scope)
        )
        issued = identity_services.create_api_token(session, actor=SYSTEM_ACTOR, username=username, name="测试")
        tokens[name] = issued.access_token
        account_ids[name] = identity_services.actor_for_token(session, token=issued.access_token).id

    # A 12345 appeal from the citizen's street, accepted and dispatched to the market regulator.
    started = workflow_services.start_instance(
        session,
        actor=SYSTEM_ACTOR,
        definition_key="appeal",
        subject_ref="12345-TEST-0001",
        title="餐馆油烟扰民",
        data={"district_code": "510107", "street_code": PERSON_STREET},
    )
    accepted = workflow_services.perform_action(
        session, actor=CONSOLE_ACTOR, instance_id=started.id, action="accept", expected_version=started.version
    )
    workflow_services.perform_action(
        session,
        actor=CONSOLE_ACTOR,
        instance_id=started.id,
        action="dispatch",
        expected_version=accepted.instance.version,
        assignee_unit="market",
    )

    # The citizen rates the market regulator's window "very dissatisfied", once per account so that every
    # account answering a rectification has one of its own still open.
    citizen = identity_services.actor_for_token(session, token=tokens["citizen"])
    ratings = {
        name: ratings_services.submit_rating(
            session,
            actor=citizen,
            subject_ref=f"workflow:{index}",
            department_code="market",
            unit_code="market.wuhou.window3",
            channel="online",
            level=1,
            comment="等候时间太长",
        ).id
        for index, name in enumerate(ACCOUNTS, start=1)
    }
    rectifications = ratings_services.list_rectifications(session, actor=SYSTEM_ACTOR, page_size=100).items
    by_rating = {item.rating_id: item.id for item in rectifications}

    message = InboxMessage(
        account_id=citizen.id, client_ref="access-test-1", channel="inapp", title="办理进度", body="您的诉求已受理"
    )
    session.add(message)
    session.commit()
    return World(
        tokens=tokens,
        account_ids=account_ids,
        instance_id=started.id,
        rating_id=ratings["citizen"],
        rectification_ids={name: by_rating[rating_id] for name, rating_id in ratings.items()},
        message_id=message.id,
    )

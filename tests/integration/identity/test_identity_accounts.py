"""Account administration: roles need their scope, codes are checked against master data, admins only."""

from __future__ import annotations

import pytest
from id_helpers import PASSWORD, PERSON_ID, USCC, make_account
from sqlalchemy.orm import Session

from yiwang.identity import services
from yiwang.identity.errors import PermissionDeniedError
from yiwang.identity.schemas import AccountCreate, AccountUpdate
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import SYSTEM_ACTOR, Actor
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError
from yiwang.sharing import services as sharing_services

DEMO_PASSWORD = "Demo2026yw"  # noqa: S105 - test data
OTHER_PASSWORD = "Other2026yw"  # noqa: S105 - test data
ADMIN = Actor(id="root.admin", department=None, role=Role.PLATFORM_ADMIN, roles=frozenset({Role.PLATFORM_ADMIN}))


def _create(session: Session, **fields: object) -> object:
    data = {"username": "someone", "display_name": "某人", "password": PASSWORD, **fields}
    return services.create_account(session, actor=ADMIN, data=AccountCreate.model_validate(data))


def test_every_role_with_its_scope(id_session: Session, grid_code: str) -> None:
    created = {
        "admin.a": _create(id_session, username="admin.a", role="platform_admin"),
        "leader.wuhou": _create(id_session, username="leader.wuhou", role="leader", district_code="510107"),
        "staff.market": _create(id_session, username="staff.market", role="department_staff", department_code="market"),
        "operator.a": _create(id_session, username="operator.a", role="hotline_operator", department_code="cityops"),
        "dispatcher.a": _create(id_session, username="dispatcher.a", role="dispatcher", department_code="cityops"),
        "grid.a": _create(id_session, username="grid.a", role="grid_worker", grid_code=grid_code),
        "citizen.a": _create(
            id_session, username="citizen.a", role="citizen", person_id_number=PERSON_ID, phone="13812345678"
        ),
        "agent.a": _create(id_session, username="agent.a", role="enterprise_agent", enterprise_uscc=USCC),
    }
    labels = {name: account.scope_label for name, account in created.items()}  # type: ignore[attr-defined]
    assert labels["admin.a"] == "全市"
    assert labels["leader.wuhou"] == "武侯区"
    assert labels["staff.market"] == "市市场监管局"
    assert labels["grid.a"].startswith("武侯区浆洗街街道")
    assert labels["grid.a"].endswith(f"网格 {grid_code}")
    assert labels["citizen.a"] == "本人（510107********1236）"
    assert labels["agent.a"] == f"企业 {USCC}"
    grid = created["grid.a"]
    assert grid.street_code == grid_code[:9]  # type: ignore[attr-defined]
    assert grid.district_code == "510107"  # type: ignore[attr-defined]
    citizen = created["citizen.a"]
    assert citizen.person_id_number_masked == "510107********1236"  # type: ignore[attr-defined]
    assert citizen.phone_masked == "138****5678"  # type: ignore[attr-defined]
    assert PERSON_ID not in citizen.model_dump_json()  # type: ignore[attr-defined]
    actor = services.to_actor(services._account_by_username(id_session, "grid.a"))
    assert actor.has_role(Role.GRID_WORKER)
    assert actor.grid_code == grid_code


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"role": "department_staff"}, "department_code", "部门工作人员必须指定所属部门"),
        ({"role": "dispatcher", "department_code": "nope"}, "department_code", "部门代码 nope 不在部门目录中"),
        ({"role": "grid_worker"}, "grid_code", "网格员必须指定负责的网格编码"),
        (
            {"role": "grid_worker", "grid_code": "510107999999001"},
            "grid_code",
            "网格编码 510107999999001 不在本市网格中",
        ),
        ({"role": "citizen"}, "person_id_number", "市民账户必须绑定公民身份号码"),
        ({"role": "citizen", "person_id_number": "510107199003071235"}, "person_id_number", "校验码错误"),
        ({"role": "enterprise_agent"}, "enterprise_uscc", "企业经办人账户必须绑定统一社会信用代码"),
        ({"role": "leader", "district_code": "110105"}, "district_code", "110105 不在本市行政区划代码表中"),
        (
            {"role": "leader", "district_code": "510104", "street_code": "510107001"},
            "street_code",
            "不属于区（市）县 510104",
        ),
        ({"role": "leader", "username": "bad name"}, "username", "用户名只能包含"),
        ({"role": "leader", "username": "system"}, "username", "系统保留"),
        ({"role": "leader", "password": "short1"}, "password", "密码至少需要8个字符"),
        ({"role": "leader", "phone": "call me"}, "phone", "手机号码格式不正确"),
    ],
)
def test_invalid_accounts_are_refused_in_chinese(
    id_session: Session, fields: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        _create(id_session, **fields)
    assert raised.value.field == field
    assert message in raised.value.message


def test_duplicates_conflict(id_session: Session) -> None:
    _create(id_session, username="citizen.a", role="citizen", person_id_number=PERSON_ID)
    with pytest.raises(ConflictError, match="已被使用"):
        _create(id_session, username="citizen.a", role="leader")
    with pytest.raises(ConflictError, match="已绑定其他账户"):
        _create(id_session, username="citizen.b", role="citizen", person_id_number=PERSON_ID)


def test_only_admins_administer(id_session: Session) -> None:
    make_account(id_session, "staff.market", Role.DEPARTMENT_STAFF, department_code="market")
    staff = services.to_actor(services._account_by_username(id_session, "staff.market"))
    with pytest.raises(PermissionDeniedError, match="只有平台管理员"):
        services.list_accounts(id_session, actor=staff)
    with pytest.raises(PermissionDeniedError):
        services.reset_password(id_session, actor=staff, username="staff.market", new_password=OTHER_PASSWORD)
    # the holder may read their own account, nobody else's
    assert services.get_account(id_session, actor=staff, username="staff.market").username == "staff.market"
    with pytest.raises(NotFoundError):
        services.get_account(id_session, actor=staff, username="admin")


def test_update_revalidates_and_records_history(id_session: Session) -> None:
    _create(id_session, username="zhang.san", role="department_staff", department_code="market")
    updated = services.update_account(
        id_session,
        actor=ADMIN,
        username="zhang.san",
        data=AccountUpdate(
            role=Role.DISPATCHER, extra_roles=[Role.LEADER], department_code="urban", district_code="510107"
        ),
    )
    assert [role.value for role in updated.roles] == ["dispatcher", "leader"]
    assert updated.department_code == "urban"
    with pytest.raises(ValidationError, match="必须指定所属部门"):
        services.update_account(id_session, actor=ADMIN, username="zhang.san", data=AccountUpdate(department_code=None))
    with pytest.raises(ValidationError, match="主要角色不能为空"):
        services.update_account(id_session, actor=ADMIN, username="zhang.san", data=AccountUpdate(role=None))
    events = services.list_account_events(id_session, actor=ADMIN, username="zhang.san")
    assert [event.action for event in events] == ["updated", "created"]
    assert events[0].detail["after"]["roles"] == ["dispatcher", "leader"]  # type: ignore[index]
    assert events[0].actor_id == "root.admin"


def test_list_filters_by_text_role_and_status(id_session: Session) -> None:
    _create(id_session, username="wang.wu", display_name="王五", role="leader")
    _create(id_session, username="li.si", display_name="李四", role="department_staff", department_code="tax")
    services.update_account(id_session, actor=ADMIN, username="li.si", data=AccountUpdate(extra_roles=[Role.LEADER]))
    _create(id_session, username="zhao.liu", display_name="赵六", role="citizen", person_id_number=PERSON_ID)
    services.deactivate_account(id_session, actor=ADMIN, username="zhao.liu")

    def names(**filters: object) -> list[str]:
        page = services.list_accounts(id_session, actor=ADMIN, **filters)  # type: ignore[arg-type]
        return [item.username for item in page.items]

    assert names(q="王") == ["wang.wu"]
    assert names(role=Role.LEADER) == ["li.si", "wang.wu"]  # primary or extra role
    assert names(active=False) == ["zhao.liu"]
    assert names(department_code="tax") == ["li.si"]
    page = services.list_accounts(id_session, actor=ADMIN, page=2, page_size=2)
    assert page.total == 3
    assert page.pages == 2
    assert len(page.items) == 1


def test_the_last_admin_and_oneself_cannot_be_deactivated(id_session: Session) -> None:
    _create(id_session, username="admin.a", role="platform_admin")
    with pytest.raises(ValidationError, match="最后一个平台管理员"):
        services.deactivate_account(id_session, actor=SYSTEM_ACTOR, username="admin.a")
    _create(id_session, username="admin.b", role="leader", extra_roles=["platform_admin"])
    me = services.to_actor(services._account_by_username(id_session, "admin.b"))
    with pytest.raises(ValidationError, match="不能停用自己"):
        services.deactivate_account(id_session, actor=me, username="admin.b")
    assert not services.deactivate_account(id_session, actor=me, username="admin.a").active
    assert services.activate_account(id_session, actor=me, username="admin.a").active


def test_demo_accounts_cover_every_role_and_are_idempotent(id_session: Session, grid_code: str) -> None:
    first = services.seed_demo_accounts(
        id_session, password=DEMO_PASSWORD, person_id_number=PERSON_ID, enterprise_uscc=USCC, grid_code=grid_code
    )
    assert {account.role for account in first} == {role.value for role in Role}
    names = {account.username for account in first}
    assert {"admin", "leader.wuhou", "staff.market", "staff.tax", "operator.12345", "dispatcher.12345"} <= names
    assert {"citizen.demo", "agent.demo", f"grid.{grid_code}"} <= names
    again = services.seed_demo_accounts(id_session, password=OTHER_PASSWORD, grid_code=grid_code)
    assert [account.username for account in again] == [account.username for account in first]
    grant = services.authenticate(id_session, username="staff.market", password=OTHER_PASSWORD)
    assert grant.account.scope_label == "市市场监管局"
    assert services.authenticate(id_session, username="citizen.demo", password=OTHER_PASSWORD).account.role == "citizen"


def test_demo_accounts_find_their_bindings_in_the_loaded_data(id_session: Session) -> None:
    created = {account.username: account for account in services.seed_demo_accounts(id_session, password=DEMO_PASSWORD)}
    assert created["agent.demo"].enterprise_uscc == USCC
    assert created["citizen.demo"].person_id_number_masked == "510107********1236"  # the legal representative
    grid = next(name for name in created if name.startswith("grid."))
    assert created[grid].district_code == "510107"
    unmasked = [
        entry
        for entry in sharing_services.list_entries(id_session, subject_code=PERSON_ID).items
        if entry.purpose == "开通演示市民账户"
    ]
    assert unmasked  # reading the ID number in clear for the binding is on the audit log
    assert {account.role for account in created.values()} == {role.value for role in Role}


def test_usernames_are_case_insensitive(id_session: Session) -> None:
    created = _create(id_session, username="Zhang.San", role="leader")
    assert created.username == "zhang.san"  # type: ignore[attr-defined]
    with pytest.raises(ConflictError):
        _create(id_session, username="ZHANG.SAN", role="leader")
    assert services.authenticate(id_session, username=" Zhang.San ", password=PASSWORD).account.username == "zhang.san"

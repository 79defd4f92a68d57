"""Every role's scope on every resource kind: one table, read and write, through the access choke point."""

from __future__ import annotations

import pytest

from yiwang.identity import access, scopes
from yiwang.identity.errors import PermissionDeniedError
from yiwang.identity.scopes import Decision, ResourceKind, ResourceRef, Role
from yiwang.kernel.actor import CONSOLE_ACTOR, SYSTEM_ACTOR, Actor
from yiwang.kernel.errors import NotFoundError

WUHOU, JINJIANG = "510107", "510104"
STREET_W, STREET_W2 = "510107001", "510107002"
GRID_W, GRID_W2, GRID_J = "510107001001001", "510107002001001", "510104001001001"
PERSON, OTHER_PERSON = "510107199003071236", "51010419850101234X"
USCC, OTHER_USCC = "91510107MA6CAB1262", "91510104MA61XYZ12K"


def _actor(account_id: str, role: Role, **scope: str | None) -> Actor:
    return Actor(id=account_id, department=scope.pop("department", None), role=role, roles=frozenset({role}), **scope)


ACTORS = {
    "admin": _actor("admin", Role.PLATFORM_ADMIN),
    "leader.city": _actor("leader.city", Role.LEADER),
    "leader.wuhou": _actor("leader.wuhou", Role.LEADER, district_code=WUHOU),
    "staff.market": _actor("staff.market", Role.DEPARTMENT_STAFF, department="market"),
    "staff.market.wuhou": _actor("staff.market.wuhou", Role.DEPARTMENT_STAFF, department="market", district_code=WUHOU),
    "staff.tax": _actor("staff.tax", Role.DEPARTMENT_STAFF, department="tax"),
    "staff.cityops": _actor("staff.cityops", Role.DEPARTMENT_STAFF, department="cityops"),
    "operator.12345": _actor("operator.12345", Role.HOTLINE_OPERATOR, department="cityops"),
    "dispatcher.12345": _actor("dispatcher.12345", Role.DISPATCHER, department="cityops"),
    "dispatcher.urban": _actor("dispatcher.urban", Role.DISPATCHER, department="urban"),
    "grid.w": _actor("grid.w", Role.GRID_WORKER, grid_code=GRID_W, street_code=STREET_W, district_code=WUHOU),
    "grid.other": _actor("grid.other", Role.GRID_WORKER, grid_code=GRID_W2, street_code=STREET_W2, district_code=WUHOU),
    "citizen.demo": _actor("citizen.demo", Role.CITIZEN, person_id_number=PERSON),
    "citizen.other": _actor("citizen.other", Role.CITIZEN, person_id_number=OTHER_PERSON),
    "agent.demo": _actor("agent.demo", Role.ENTERPRISE_AGENT, enterprise_uscc=USCC),
    "agent.other": _actor("agent.other", Role.ENTERPRISE_AGENT, enterprise_uscc=OTHER_USCC),
}

RESOURCES = {
    # the population register's entry of a person living in 武侯区, street W
    "person": ResourceRef(
        ResourceKind.PERSON,
        owner_department="cityops",
        district_code=WUHOU,
        street_code=STREET_W,
        person_id_number=PERSON,
    ),
    # the legal-entity register's entry of an enterprise in 武侯区, street W
    "enterprise": ResourceRef(
        ResourceKind.ENTERPRISE,
        owner_department="cityops",
        district_code=WUHOU,
        street_code=STREET_W,
        enterprise_uscc=USCC,
    ),
    # a market-supervision penalty about the enterprise
    "market record": ResourceRef(
        ResourceKind.DEPARTMENT_RECORD,
        owner_department="market",
        district_code=WUHOU,
        street_code=STREET_W,
        enterprise_uscc=USCC,
    ),
    # a tax record about the enterprise (district only)
    "tax record": ResourceRef(
        ResourceKind.DEPARTMENT_RECORD, owner_department="tax", district_code=WUHOU, enterprise_uscc=USCC
    ),
    # a driving licence of the person, held by the police
    "police record": ResourceRef(
        ResourceKind.DEPARTMENT_RECORD, owner_department="police", district_code=WUHOU, person_id_number=PERSON
    ),
    # who read the person's market data: an audit entry
    "audit entry": ResourceRef(ResourceKind.AUDIT_ENTRY, owner_department="market", person_id_number=PERSON),
    # the enterprise's licence application (一网通办), filed by its agent, handled by market, in grid W
    "workflow instance": ResourceRef(
        ResourceKind.WORKFLOW_INSTANCE,
        owner_department="market",
        district_code=WUHOU,
        grid_code=GRID_W,
        enterprise_uscc=USCC,
        owner_account_id="agent.demo",
    ),
    # a 12345 appeal by the person about 锦江区, handled by urban management
    "appeal": ResourceRef(
        ResourceKind.APPEAL, owner_department="urban", district_code=JINJIANG, grid_code=GRID_J, person_id_number=PERSON
    ),
    # a message in staff.market's message centre
    "message": ResourceRef(ResourceKind.MESSAGE, owner_account_id="staff.market"),
    # the person's rating of a market service in 武侯区
    "rating": ResourceRef(
        ResourceKind.RATING,
        owner_department="market",
        district_code=WUHOU,
        person_id_number=PERSON,
        owner_account_id="citizen.demo",
    ),
}

KINDS = list(RESOURCES)

# rw = read and write; r = read, write refused (403); - = hidden (404 for read and write alike)
EXPECTED = {  # person  ent  mkt  tax  pol  audit wf   appeal msg  rating
    "admin":              "rw   rw   rw   rw   rw   r     rw   rw     rw   rw",
    "leader.city":        "r    r    r    r    r    r     rw   rw     -    r",
    "leader.wuhou":       "r    r    r    r    r    -     rw   -      -    r",
    "staff.market":       "r    r    rw   -    -    r     rw   -      rw   rw",
    "staff.market.wuhou": "r    r    rw   -    -    -     rw   -      -    rw",
    "staff.tax":          "r    r    -    rw   -    -     -    -      -    -",
    "staff.cityops":      "rw   rw   -    -    -    -     -    -      -    -",
    "operator.12345":     "r    r    -    -    -    -     -    rw     -    -",
    "dispatcher.12345":   "r    r    -    -    -    -     -    rw     -    -",
    "dispatcher.urban":   "r    r    -    -    -    -     -    rw     -    -",
    "grid.w":             "r    r    r    -    -    -     rw   -      -    -",
    "grid.other":         "-    -    -    -    -    -     -    -      -    -",
    "citizen.demo":       "r    -    -    -    r    r     -    r      -    rw",
    "citizen.other":      "-    -    -    -    -    -     -    -      -    -",
    "agent.demo":         "-    r    r    r    -    -     rw   -      -    -",
    "agent.other":        "-    -    -    -    -    -     -    -      -    -",
}  # fmt: skip

CASES = [
    pytest.param(actor, kind, cell, id=f"{actor}-{kind.replace(' ', '_')}")
    for actor, row in EXPECTED.items()
    for kind, cell in zip(KINDS, row.split(), strict=True)
]


def test_the_table_covers_every_role_and_kind() -> None:
    assert {ACTORS[name].role for name in EXPECTED} == set(Role)
    assert set(EXPECTED) == set(ACTORS)
    covered = {ref.kind for ref in RESOURCES.values()}
    assert covered >= {
        "person",
        "enterprise",
        "department_record",
        "audit_entry",
        "workflow_instance",
        "message",
        "rating",
    }


@pytest.mark.parametrize(("actor_name", "kind", "cell"), CASES)
def test_scope(actor_name: str, kind: str, cell: str) -> None:
    actor, ref = ACTORS[actor_name], RESOURCES[kind]
    if cell == "-":
        assert scopes.decide(actor, ref, "read") is Decision.HIDDEN
        with pytest.raises(NotFoundError):
            access.authorize(actor, ref, "read")
        with pytest.raises(NotFoundError):  # a hidden resource stays hidden when someone tries to change it
            access.authorize(actor, ref, "write")
        return
    access.authorize(actor, ref, "read")
    if cell == "rw":
        access.authorize(actor, ref, "write")
        assert scopes.decide(actor, ref, "write") is Decision.ALLOWED
    else:
        assert cell == "r"
        with pytest.raises(PermissionDeniedError) as raised:
            access.authorize(actor, ref, "write")
        assert raised.value.status_code == 403
        assert "权限" in raised.value.message


def test_hidden_resources_answer_with_the_callers_not_found_message() -> None:
    message = "公民身份号码 510107********1236 对应的自然人不存在"
    with pytest.raises(NotFoundError) as raised:
        access.authorize(ACTORS["citizen.other"], RESOURCES["person"], not_found=message)
    assert raised.value.message == message
    with pytest.raises(NotFoundError) as generic:
        access.authorize(ACTORS["citizen.other"], RESOURCES["rating"])
    assert generic.value.message == "未找到该评价"


def test_several_roles_add_up() -> None:
    both = Actor(
        id="both",
        department="tax",
        role=Role.DEPARTMENT_STAFF,
        roles=frozenset({Role.DEPARTMENT_STAFF, Role.CITIZEN}),
        person_id_number=PERSON,
    )
    assert scopes.can_read(both, RESOURCES["tax record"])
    assert scopes.can_read(both, RESOURCES["police record"])  # as a citizen: it is about them
    assert not scopes.can_write(both, RESOURCES["police record"])


def test_internal_identities_pass_but_never_write_the_audit_log() -> None:
    for actor in (SYSTEM_ACTOR, CONSOLE_ACTOR):
        for ref in RESOURCES.values():
            assert scopes.can_read(actor, ref)
        assert scopes.can_write(actor, RESOURCES["appeal"])
        assert not scopes.can_write(actor, RESOURCES["audit entry"])


def test_area_follows_the_finest_code() -> None:
    only_grid = ResourceRef(ResourceKind.INCIDENT, grid_code=GRID_W)
    assert only_grid.area_street == STREET_W
    assert only_grid.area_district == WUHOU
    assert ResourceRef(ResourceKind.INCIDENT, street_code=STREET_W2).area_district == WUHOU
    assert ResourceRef(ResourceKind.INCIDENT).area_district is None
    assert scopes.can_write(ACTORS["leader.wuhou"], only_grid)
    assert scopes.can_write(ACTORS["grid.w"], only_grid)
    assert not scopes.can_read(ACTORS["grid.other"], only_grid)


def test_street_scoped_leader_and_grid_worker_without_street() -> None:
    street_leader = _actor("leader.street", Role.LEADER, district_code=WUHOU, street_code=STREET_W)
    assert scopes.can_read(street_leader, RESOURCES["person"])
    assert not scopes.can_read(street_leader, RESOURCES["tax record"])  # district-wide, not in the street
    grid_only = _actor("grid.x", Role.GRID_WORKER, grid_code=GRID_W)  # street derived from the grid code
    assert scopes.can_read(grid_only, RESOURCES["person"])
    no_grid = _actor("grid.none", Role.GRID_WORKER)
    assert not scopes.can_read(no_grid, RESOURCES["person"])
    assert not scopes.can_write(no_grid, RESOURCES["workflow instance"])


def test_staff_without_department_and_citizen_without_id_see_nothing() -> None:
    lost = _actor("lost", Role.DEPARTMENT_STAFF)
    assert not scopes.can_read(lost, RESOURCES["market record"])
    assert scopes.can_read(lost, RESOURCES["person"])  # the shared register is read by every department role
    anonymous_citizen = _actor("c", Role.CITIZEN)
    assert not scopes.can_read(anonymous_citizen, ResourceRef(ResourceKind.PERSON))
    anonymous_agent = _actor("a", Role.ENTERPRISE_AGENT)
    assert not scopes.can_read(anonymous_agent, ResourceRef(ResourceKind.ENTERPRISE))


def test_unmask_permission() -> None:
    assert scopes.can_unmask(ACTORS["admin"], source_department="cityops")
    assert scopes.can_unmask(ACTORS["staff.cityops"], source_department="cityops")
    assert scopes.can_unmask(ACTORS["staff.market"], source_department="market")
    assert not scopes.can_unmask(ACTORS["staff.market"], source_department="cityops")
    assert not scopes.can_unmask(ACTORS["operator.12345"], source_department="cityops")
    assert not scopes.can_unmask(ACTORS["leader.city"], source_department="cityops")
    assert not scopes.can_unmask(SYSTEM_ACTOR, source_department="cityops")


def test_roles_and_kinds_have_chinese_labels() -> None:
    assert [role.label for role in Role] == [
        "市民",
        "企业经办人",
        "部门工作人员",
        "话务员",
        "派单员",
        "网格员",
        "领导",
        "平台管理员",
    ]
    assert scopes.kind_label("appeal") == "诉求"
    assert scopes.kind_label("credit_report") == "记录"

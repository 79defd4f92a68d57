"""Roles, data scopes and the pure rules deciding whether an actor may read or write a resource.

Every rule is written as one condition per line so a table-driven test over roles × resource kinds proves each
branch. The rules (an actor holding several roles gets the union):

* ``platform_admin`` reads and writes everything; internal identities (``system`` jobs, the ``platform``
  console) as well — no account can hold them, only code constructs them.
* Everyone reads and writes what is theirs (``owner_account_id`` = the actor's id: their messages, ratings,
  applications). Messages and accounts are private: nobody else but platform administrators sees them.
* ``leader`` reads everything inside their area: their district, or the whole city without one; writes only
  cases (办件、诉求、事件: 督办 and approvals).
* ``department_staff`` read and write their department's resources (inside their district or street when they
  work for a district branch). ``hotline_operator`` / ``dispatcher`` read and write their department's cases;
  those of the city operations centre (``cityops``) handle intake (诉求、城市事件) across the whole city. The base
  registers of persons and enterprises are shared data (人口、法人基础信息库, 无条件共享): all three roles read
  them (each read is still audited and personal fields stay masked); only the register's staff write them.
* ``grid_worker`` reads everything in their street and writes the cases in their grid (上报、核查).
* ``citizen`` reads only resources about themselves; ``enterprise_agent`` only those about their enterprise.
* Audit entries are append-only: nobody writes them, whatever the role.

A resource the actor may not read is *hidden* (the caller answers "not found", revealing nothing); a resource
the actor may read but not change is *forbidden* (HTTP 403).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from yiwang.kernel.actor import Actor

AccessAction = Literal["read", "write"]


class Role(enum.StrEnum):
    """What an account does on the platform; the value is stored, the label is shown."""

    CITIZEN = "citizen"
    ENTERPRISE_AGENT = "enterprise_agent"
    DEPARTMENT_STAFF = "department_staff"
    HOTLINE_OPERATOR = "hotline_operator"
    DISPATCHER = "dispatcher"
    GRID_WORKER = "grid_worker"
    LEADER = "leader"
    PLATFORM_ADMIN = "platform_admin"

    @property
    def label(self) -> str:
        """The Chinese name shown to people."""
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.CITIZEN: "市民",
    Role.ENTERPRISE_AGENT: "企业经办人",
    Role.DEPARTMENT_STAFF: "部门工作人员",
    Role.HOTLINE_OPERATOR: "话务员",
    Role.DISPATCHER: "派单员",
    Role.GRID_WORKER: "网格员",
    Role.LEADER: "领导",
    Role.PLATFORM_ADMIN: "平台管理员",
}

DEPARTMENT_ROLES = (Role.DEPARTMENT_STAFF, Role.HOTLINE_OPERATOR, Role.DISPATCHER)
"""Roles whose scope is a department (optionally narrowed to a district or street)."""

INTAKE_ROLES = (Role.HOTLINE_OPERATOR, Role.DISPATCHER)
"""Roles that take in and route cases: they work on cases, not on a department's records."""

CITY_INTAKE_DEPARTMENT = "cityops"
"""The city operations centre (市城运办) runs the 12345 hotline and dispatching for the whole city."""

INTERNAL_ROLES = frozenset({"system", "platform"})
"""Roles of code-constructed identities (background jobs, the pre-login console); never held by an account."""


class ResourceKind(enum.StrEnum):
    """The kinds of resources the platform protects (other contexts may describe further kinds)."""

    PERSON = "person"
    ENTERPRISE = "enterprise"
    DEPARTMENT_RECORD = "department_record"
    AUDIT_ENTRY = "audit_entry"
    WORKFLOW_INSTANCE = "workflow_instance"
    APPEAL = "appeal"
    INCIDENT = "incident"
    MESSAGE = "message"
    RATING = "rating"
    ACCOUNT = "account"
    APPLICATION = "application"
    CERTIFICATE = "certificate"
    POLICY_MATCH = "policy_match"
    GRANT = "grant"


KIND_LABELS: dict[str, str] = {
    ResourceKind.PERSON: "人员信息",
    ResourceKind.ENTERPRISE: "企业信息",
    ResourceKind.DEPARTMENT_RECORD: "部门业务记录",
    ResourceKind.AUDIT_ENTRY: "审计记录",
    ResourceKind.WORKFLOW_INSTANCE: "办件",
    ResourceKind.APPEAL: "诉求",
    ResourceKind.INCIDENT: "城市事件",
    ResourceKind.MESSAGE: "消息",
    ResourceKind.RATING: "评价",
    ResourceKind.ACCOUNT: "账户",
    ResourceKind.APPLICATION: "办事申请",
    ResourceKind.CERTIFICATE: "电子证照",
    ResourceKind.POLICY_MATCH: "政策匹配结果",
    ResourceKind.GRANT: "惠企资金",
}

SHARED_REGISTER_KINDS = frozenset({ResourceKind.PERSON, ResourceKind.ENTERPRISE})
"""Base registers every department may read for its work (through the audited layer)."""

INTAKE_KINDS = frozenset({ResourceKind.APPEAL, ResourceKind.INCIDENT})
"""12345 appeals and city incidents (and their workflow instances): the city-wide intake of ``cityops``."""

CASE_KINDS = frozenset(
    {ResourceKind.WORKFLOW_INSTANCE, ResourceKind.APPEAL, ResourceKind.INCIDENT, ResourceKind.APPLICATION}
)
"""Cases (办件、诉求、事件): leaders act on them (督办, approvals), operators and dispatchers route them, grid
workers report and verify them."""

PRIVATE_KINDS = frozenset({ResourceKind.MESSAGE, ResourceKind.ACCOUNT})
"""Personal resources: only their owner (``owner_account_id``) and platform administrators see them."""


def kind_label(kind: str) -> str:
    """The Chinese name of a resource kind (``记录`` for kinds described by other contexts)."""
    return KIND_LABELS.get(kind, "记录")


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """What the access rules need to know about one resource: its kind, owner and where and whom it is about.

    ``district_code``/``street_code`` may be left out when a finer code is given: a 15-digit grid code starts
    with its 9-digit street code, which starts with the 6-digit district code.
    """

    kind: str
    owner_department: str | None = None
    district_code: str | None = None
    street_code: str | None = None
    grid_code: str | None = None
    person_id_number: str | None = None
    enterprise_uscc: str | None = None
    owner_account_id: str | None = None

    @property
    def area_district(self) -> str | None:
        """The district the resource lies in, from the finest code given."""
        if self.district_code:
            return self.district_code
        finer = self.street_code or self.grid_code
        return finer[:6] if finer else None

    @property
    def area_street(self) -> str | None:
        """The street (街道/乡镇) the resource lies in, from the finest code given."""
        if self.street_code:
            return self.street_code
        return self.grid_code[:9] if self.grid_code else None


class Decision(enum.Enum):
    """Outcome of an access check."""

    ALLOWED = "allowed"
    HIDDEN = "hidden"  # may not even know it exists: answer "not found"
    FORBIDDEN = "forbidden"  # may see it, may not do this: answer 403


def decide(actor: Actor, ref: ResourceRef, action: AccessAction) -> Decision:
    """Whether ``actor`` may perform ``action`` on the resource described by ``ref``."""
    if not can_read(actor, ref):
        return Decision.HIDDEN
    if action == "read":
        return Decision.ALLOWED
    if can_write(actor, ref):
        return Decision.ALLOWED
    return Decision.FORBIDDEN


def can_read(actor: Actor, ref: ResourceRef) -> bool:  # noqa: C901, PLR0911 - one rule a line, by design
    """Whether the actor may see the resource (one rule per line; see the module docstring)."""
    if _is_internal(actor):
        return True
    if actor.has_role(Role.PLATFORM_ADMIN):
        return True
    if _owns(actor, ref):
        return True
    if ref.kind in PRIVATE_KINDS:
        return False
    if actor.has_role(Role.LEADER) and _within_area(actor, ref):
        return True
    if actor.has_role(Role.DEPARTMENT_STAFF) and _in_department(actor, ref):
        return True
    if actor.has_role(*INTAKE_ROLES) and ref.kind in CASE_KINDS and _in_department(actor, ref):
        return True
    if actor.has_role(*INTAKE_ROLES) and _is_city_intake(actor, ref):
        return True
    if actor.has_role(*DEPARTMENT_ROLES) and ref.kind in SHARED_REGISTER_KINDS:
        return True
    if actor.has_role(Role.GRID_WORKER) and _in_street(actor, ref):
        return True
    if actor.has_role(Role.CITIZEN) and _about_person(actor, ref):
        return True
    if actor.has_role(Role.ENTERPRISE_AGENT) and _about_enterprise(actor, ref):  # noqa: SIM103 - one rule a line
        return True
    return False


def can_write(actor: Actor, ref: ResourceRef) -> bool:  # noqa: C901, PLR0911 - one rule a line, by design
    """Whether the actor may change the resource (callers check :func:`can_read` first)."""
    if ref.kind == ResourceKind.AUDIT_ENTRY:
        return False
    if _is_internal(actor):
        return True
    if actor.has_role(Role.PLATFORM_ADMIN):
        return True
    if _owns(actor, ref):
        return True
    if ref.kind in PRIVATE_KINDS:
        return False
    if actor.has_role(Role.LEADER) and ref.kind in CASE_KINDS and _within_area(actor, ref):
        return True
    if actor.has_role(Role.DEPARTMENT_STAFF) and _in_department(actor, ref):
        return True
    if actor.has_role(*INTAKE_ROLES) and ref.kind in CASE_KINDS and _in_department(actor, ref):
        return True
    if actor.has_role(*INTAKE_ROLES) and _is_city_intake(actor, ref):
        return True
    if actor.has_role(Role.GRID_WORKER) and ref.kind in CASE_KINDS and _in_grid(actor, ref):  # noqa: SIM103
        return True
    return False


def can_unmask(actor: Actor, *, source_department: str) -> bool:
    """Whether the actor may see the clear text of personal data held by ``source_department``.

    Only the platform administrators and the staff of the department that holds the data; everyone else sees
    masked values. (Internal identities never need clear text for people, so they do not get it either.)
    """
    if actor.has_role(Role.PLATFORM_ADMIN):
        return True
    if actor.has_role(Role.DEPARTMENT_STAFF) and actor.department == source_department:  # noqa: SIM103
        return True
    return False


def _is_internal(actor: Actor) -> bool:
    return actor.role in INTERNAL_ROLES


def _owns(actor: Actor, ref: ResourceRef) -> bool:
    return ref.owner_account_id is not None and ref.owner_account_id == actor.id


def _within_area(actor: Actor, ref: ResourceRef) -> bool:
    """The resource lies inside every area the actor is limited to (no area: the whole city)."""
    if actor.district_code is not None and ref.area_district != actor.district_code:
        return False
    if actor.street_code is not None and ref.area_street != actor.street_code:  # noqa: SIM103 - one rule a line
        return False
    return True


def _in_department(actor: Actor, ref: ResourceRef) -> bool:
    if actor.department is None:
        return False
    if ref.owner_department != actor.department:
        return False
    return _within_area(actor, ref)


def _is_city_intake(actor: Actor, ref: ResourceRef) -> bool:
    return actor.department == CITY_INTAKE_DEPARTMENT and ref.kind in INTAKE_KINDS


def _in_street(actor: Actor, ref: ResourceRef) -> bool:
    street = actor.street_code or (actor.grid_code[:9] if actor.grid_code else None)
    return street is not None and ref.area_street == street


def _in_grid(actor: Actor, ref: ResourceRef) -> bool:
    return actor.grid_code is not None and ref.grid_code == actor.grid_code


def _about_person(actor: Actor, ref: ResourceRef) -> bool:
    return actor.person_id_number is not None and ref.person_id_number == actor.person_id_number


def _about_enterprise(actor: Actor, ref: ResourceRef) -> bool:
    return actor.enterprise_uscc is not None and ref.enterprise_uscc == actor.enterprise_uscc


PROCESS_ROLES: Mapping[str, frozenset[str]] = {
    "department_staff": frozenset({"handler", "approver"}),
    "hotline_operator": frozenset({"operator", "acceptor"}),
    "dispatcher": frozenset({"dispatcher"}),
    "leader": frozenset({"supervisor"}),
    "grid_worker": frozenset({"collector"}),
    "platform_admin": frozenset({"platform"}),
}
"""Account role → the roles of the process definitions (workflow YAML) it plays: a department's staff are the
承办单位/审批人员 of the cases sent to their department, hotline operators take calls in, leaders 督办."""

WINDOW_DEPARTMENT = "cityops"
"""The comprehensive service window (综合窗口) of 一件事 bundles is staffed by the city operations centre."""


def process_roles(role: str, extra_roles: Iterable[str], department: str | None) -> frozenset[str]:
    """The process roles (workflow YAML) that an account's roles play (see ``PROCESS_ROLES``).

    Examples:
        >>> sorted(process_roles("department_staff", [], "market"))
        ['approver', 'handler']
    """
    held = {role, *extra_roles}
    extra: set[str] = set()
    for name in held:
        extra |= PROCESS_ROLES.get(name, frozenset())
    if "department_staff" in held and department == WINDOW_DEPARTMENT:
        extra.add("window")
    return frozenset(extra)

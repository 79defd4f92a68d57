"""Who may see and act on grants: the identity rules on ``grant`` resources plus the subject's own duties.

A grant is a ``ResourceKind.GRANT`` owned by the policy's funding department, located in the subject's district
and about the subject (enterprise or person). So the funding department's staff read and act on it (approve,
batch, record payment), leaders read it within their area, platform administrators and background jobs do
everything, and the enterprise's agent or the person read their own. Confirming the bank account is the
subject's own act: the identity rules give subjects no write access to department resources, so this module
adds that one duty.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, true

from yiwang.grants.models import Grant
from yiwang.identity import scopes
from yiwang.identity.scopes import ResourceKind, ResourceRef, Role
from yiwang.kernel.actor import Actor

WHOLE_CITY = ResourceRef(kind=ResourceKind.GRANT)
"""A grant of no particular department, area or subject: whoever reads it reads every grant."""


def grant_ref(grant: Grant) -> ResourceRef:
    """The access description of one grant."""
    person = grant.subject_code if grant.subject_kind == "person" else None
    enterprise = grant.subject_code if grant.subject_kind == "enterprise" else None
    return ResourceRef(
        kind=ResourceKind.GRANT,
        owner_department=grant.funding_department,
        district_code=grant.district_code,
        person_id_number=person,
        enterprise_uscc=enterprise,
    )


def department_ref(department: str) -> ResourceRef:
    """A grant of ``department`` anywhere in the city (for department-wide acts such as building a batch)."""
    return ResourceRef(kind=ResourceKind.GRANT, owner_department=department)


def is_subject(actor: Actor, grant: Grant) -> bool:
    """Whether the actor is the grant's recipient (the enterprise's agent or the person)."""
    if grant.subject_kind == "enterprise":
        return actor.enterprise_uscc is not None and actor.enterprise_uscc == grant.subject_code
    return actor.person_id_number is not None and actor.person_id_number == grant.subject_code


def sees_everything(actor: Actor) -> bool:
    """Whether the actor reads every grant of the city."""
    return scopes.can_read(actor, WHOLE_CITY)


def scope_condition(actor: Actor) -> ColumnElement[bool]:
    """SQL condition selecting exactly the grants the actor may read (mirrors ``identity.scopes.can_read``)."""
    if sees_everything(actor):
        return true()
    parts: list[ColumnElement[bool]] = []
    if actor.has_role(Role.LEADER):
        parts.append(_area(actor))
    if actor.has_role(Role.DEPARTMENT_STAFF) and actor.department:
        parts.append(and_(Grant.funding_department == actor.department, _area(actor)))
    if actor.has_role(Role.ENTERPRISE_AGENT) and actor.enterprise_uscc:
        parts.append(and_(Grant.subject_kind == "enterprise", Grant.subject_code == actor.enterprise_uscc))
    if actor.has_role(Role.CITIZEN) and actor.person_id_number:
        parts.append(and_(Grant.subject_kind == "person", Grant.subject_code == actor.person_id_number))
    return or_(*parts) if parts else false()


def _area(actor: Actor) -> ColumnElement[bool]:
    if actor.district_code is not None:
        return Grant.district_code == actor.district_code
    if actor.street_code is not None:
        return Grant.district_code == actor.street_code[:6]
    return true()


def sees_personal_data(actor: Actor, grant: Grant) -> bool:
    """Whether the actor sees a person's name and ID number in clear: only the person themself.

    Everyone else (staff included) sees them masked; payment instructions carry them for the finance system.
    """
    return grant.subject_kind == "enterprise" or is_subject(actor, grant)

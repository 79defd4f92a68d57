"""Who may see and act on ratings, rectifications and appeals: the identity rules plus the 好差评 office's duties.

Reading and changing a rating is decided by :mod:`yiwang.identity.scopes` on a ``rating`` resource owned by the
rated department and by the rater's account: platform administrators and internal identities see and do
everything, leaders read within their area (the whole city without one), department staff read and answer their
own department's ratings, raters see their own ratings. On top of that, 好差评 itself gives duties to one office:

* The staff of 市城运办 (``cityops``, which runs 好差评 and the 12345 callbacks) see every rating and record
  callbacks; the rater may record their own callback online.
* Appeals are decided by platform reviewers or 市城运办 staff — never by the department that filed them,
  and never by the person who filed them.
"""

from __future__ import annotations

from yiwang.identity import scopes
from yiwang.identity.scopes import ResourceKind, ResourceRef, Role
from yiwang.kernel.actor import Actor

PLATFORM_ROLES = (Role.PLATFORM_ADMIN.value, *sorted(scopes.INTERNAL_ROLES))
DEPARTMENT_ROLES = tuple(role.value for role in scopes.DEPARTMENT_ROLES)
RATINGS_OFFICE = "cityops"
"""The department that runs 好差评 (成都市城市运行和政务服务管理办公室)."""

WHOLE_CITY = ResourceRef(kind=ResourceKind.RATING)
"""A rating of no particular department or rater: whoever reads it reads every rating."""


def rating_ref(*, department_code: str | None, rater_id: str | None = None) -> ResourceRef:
    """The access description of a rating (and of its rectification and appeal)."""
    return ResourceRef(kind=ResourceKind.RATING, owner_department=department_code, owner_account_id=rater_id)


def is_platform(actor: Actor) -> bool:
    """Platform administrators and internal identities."""
    return actor.has_role(*PLATFORM_ROLES)


def is_ratings_office(actor: Actor) -> bool:
    """Staff of the department that runs 好差评 and the callbacks."""
    return actor.has_role(*DEPARTMENT_ROLES) and actor.department == RATINGS_OFFICE


def sees_everything(actor: Actor) -> bool:
    """Whether the actor sees every department's ratings."""
    if scopes.can_read(actor, WHOLE_CITY):
        return True
    return is_ratings_office(actor)


def in_department(actor: Actor, department_code: str) -> bool:
    """Whether the identity rules let the actor read the ratings of ``department_code`` (their own department)."""
    return actor.department == department_code and scopes.can_read(actor, rating_ref(department_code=department_code))


def can_read(actor: Actor, *, department_code: str, rater_id: str) -> bool:
    """Whether the actor may see a rating (and its rectification and appeal)."""
    if scopes.can_read(actor, rating_ref(department_code=department_code, rater_id=rater_id)):
        return True
    return is_ratings_office(actor)


def can_respond(actor: Actor, *, department_code: str) -> bool:
    """Whether the actor may report the rectification of a bad rating (the rated department changes it)."""
    decision = scopes.decide(actor, rating_ref(department_code=department_code), "write")
    return decision is scopes.Decision.ALLOWED


def can_record_callback(actor: Actor, *, rater_id: str) -> bool:
    """Whether the actor may record a callback (回访)."""
    if is_platform(actor):
        return True
    if is_ratings_office(actor):
        return True
    return actor.id == rater_id


def can_file_appeal(actor: Actor, *, department_code: str) -> bool:
    """Whether the actor may appeal against a rating of their department."""
    return can_respond(actor, department_code=department_code)


def can_decide_appeal(actor: Actor, *, department_code: str, filed_by: str) -> bool:
    """Whether the actor may accept or reject an appeal."""
    if actor.id == filed_by:
        return False
    if is_platform(actor):
        return True
    return is_ratings_office(actor) and actor.department != department_code

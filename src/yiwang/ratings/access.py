"""Who may see and act on ratings, rectifications and appeals (pure; one rule per line).

* The platform (administrators, the console, jobs), leaders and the staff of 市城运办 (``cityops``, which runs
  好差评 and the 12345 callbacks) see everything.
* Department staff see their own department's ratings; raters see their own ratings.
* The rated department responds to rectifications and files appeals; the platform may act for it.
* Callbacks are recorded by the platform and 市城运办 staff, or online by the rater themself.
* Appeals are decided by platform reviewers or 市城运办 staff — never by the department that filed them,
  and never by the person who filed them.
"""

from __future__ import annotations

from yiwang.kernel.actor import Actor

PLATFORM_ROLES = ("platform_admin", "platform", "system")
DEPARTMENT_ROLES = ("department_staff", "dispatcher", "hotline_operator")
RATINGS_OFFICE = "cityops"
"""The department that runs 好差评 (成都市城市运行和政务服务管理办公室)."""


def is_platform(actor: Actor) -> bool:
    """Platform administrators and internal identities."""
    return actor.has_role(*PLATFORM_ROLES)


def is_ratings_office(actor: Actor) -> bool:
    """Staff of the department that runs 好差评 and the callbacks."""
    return actor.has_role(*DEPARTMENT_ROLES) and actor.department == RATINGS_OFFICE


def sees_everything(actor: Actor) -> bool:
    """Whether the actor sees every department's ratings."""
    if is_platform(actor):
        return True
    if actor.has_role("leader"):
        return True
    return is_ratings_office(actor)


def in_department(actor: Actor, department_code: str) -> bool:
    """Whether the actor works for the rated department."""
    return actor.has_role(*DEPARTMENT_ROLES) and actor.department == department_code


def can_read(actor: Actor, *, department_code: str, rater_id: str) -> bool:
    """Whether the actor may see a rating (and its rectification and appeal)."""
    if sees_everything(actor):
        return True
    if in_department(actor, department_code):
        return True
    return actor.id == rater_id


def can_respond(actor: Actor, *, department_code: str) -> bool:
    """Whether the actor may report the rectification of a bad rating."""
    if is_platform(actor):
        return True
    return in_department(actor, department_code)


def can_record_callback(actor: Actor, *, rater_id: str) -> bool:
    """Whether the actor may record a callback (回访)."""
    if is_platform(actor):
        return True
    if is_ratings_office(actor):
        return True
    return actor.id == rater_id


def can_file_appeal(actor: Actor, *, department_code: str) -> bool:
    """Whether the actor may appeal against a rating of their department."""
    if is_platform(actor):
        return True
    return in_department(actor, department_code)


def can_decide_appeal(actor: Actor, *, department_code: str, filed_by: str) -> bool:
    """Whether the actor may accept or reject an appeal."""
    if actor.id == filed_by:
        return False
    if is_platform(actor):
        return True
    return is_ratings_office(actor) and actor.department != department_code

"""The single choke point for access decisions: ``authorize`` plus one ``access_*`` helper per sensitive resource.

Contexts never test roles themselves. They describe the resource as a :class:`ResourceRef` and call
:func:`authorize` (or an ``access_*`` helper that builds the ref for them): a resource the actor may not see
raises the same :class:`NotFoundError` as a missing one, a resource they may see but not change raises
:class:`PermissionDeniedError` (HTTP 403). Showing personal data in clear text goes through :func:`unmask`, which
only the holding department's staff and platform administrators pass, and which the sharing audit log records
(refusals included).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from yiwang.identity import scopes
from yiwang.identity.errors import PermissionDeniedError
from yiwang.identity.schemas import UnmaskGrant
from yiwang.identity.scopes import AccessAction, Decision, ResourceKind, ResourceRef
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import NotFoundError, ValidationError
from yiwang.kernel.identifiers import validate_citizen_id, validate_uscc
from yiwang.kernel.masking import mask_id_number
from yiwang.sharing import services as sharing_services

BASE_REGISTER_DEPARTMENT = "cityops"
"""Holder of the base registers (人口库、法人库), as in ``yiwang.registry``: the city operations and data office."""

UNMASK_LEGAL_BASIS = "《中华人民共和国个人信息保护法》第十三条第一款第三项（履行法定职责所必需）"
UNMASKABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "person": ("id_number", "name", "phone", "household_address", "birth_date"),
    "enterprise": ("legal_representative_id", "legal_representative", "phone"),
}
"""Personal fields shown masked by default, per subject kind; only these can be unmasked."""

__all__ = [
    "PermissionDeniedError",
    "ResourceRef",
    "access_enterprise",
    "access_person",
    "authorize",
    "unmask",
]


def authorize(actor: Actor, ref: ResourceRef, action: AccessAction = "read", *, not_found: str | None = None) -> None:
    """Let the action through or raise: not visible → :class:`NotFoundError`, read-only → 403.

    ``not_found`` is the message the caller gives when the resource is genuinely absent, so a hidden resource
    cannot be told apart from a missing one.
    """
    decision = scopes.decide(actor, ref, action)
    if decision is Decision.HIDDEN:
        raise NotFoundError(not_found or f"未找到该{scopes.kind_label(ref.kind)}", field=ref.kind)
    if decision is Decision.FORBIDDEN:
        raise PermissionDeniedError(f"您没有修改该{scopes.kind_label(ref.kind)}的权限", field=ref.kind)


def access_person(session: Session, *, actor: Actor, id_number: str, action: AccessAction = "read") -> ResourceRef:
    """Check that the actor may read (or change) a natural person's data; return the ref for further checks.

    Absent and hidden persons raise the same Chinese :class:`NotFoundError` as the registry's own lookups.
    """
    from yiwang.registry import services as registry_services  # noqa: PLC0415 - the registry calls this module

    number = validate_citizen_id(id_number, field="公民身份号码").number
    message = f"公民身份号码 {mask_id_number(number)} 对应的自然人不存在"
    found = registry_services.search_persons(session, q=number, page_size=1).items
    if not found:
        raise NotFoundError(message, field="id_number")
    ref = ResourceRef(
        kind=ResourceKind.PERSON,
        owner_department=BASE_REGISTER_DEPARTMENT,
        district_code=found[0].household_district_code,
        street_code=found[0].household_street_code,
        person_id_number=number,
    )
    authorize(actor, ref, action, not_found=message)
    return ref


def access_enterprise(session: Session, *, actor: Actor, uscc: str, action: AccessAction = "read") -> ResourceRef:
    """Check that the actor may read (or change) an enterprise's data; return the ref for further checks."""
    from yiwang.registry import services as registry_services  # noqa: PLC0415 - the registry calls this module

    code = validate_uscc(uscc, field="统一社会信用代码")
    message = f"统一社会信用代码 {code} 对应的市场主体不存在"
    found = [
        item for item in registry_services.search_enterprises(session, q=code, page_size=5).items if item.uscc == code
    ]
    if not found:
        raise NotFoundError(message, field="uscc")
    ref = ResourceRef(
        kind=ResourceKind.ENTERPRISE,
        owner_department=BASE_REGISTER_DEPARTMENT,
        district_code=found[0].district_code,
        street_code=found[0].street_code,
        enterprise_uscc=code,
    )
    authorize(actor, ref, action, not_found=message)
    return ref


def unmask(
    session: Session,
    *,
    actor: Actor,
    subject_kind: str,
    subject_code: str,
    fields: Sequence[str],
    purpose: str,
    legal_basis: str = UNMASK_LEGAL_BASIS,
    source_department: str | None = None,
) -> UnmaskGrant:
    """Allow showing a subject's personal fields in clear text, and record it (``record_kind="unmask"``).

    Only the staff of the department holding the data (the base registers: ``cityops``) and platform
    administrators may; a purpose is mandatory. A refusal is recorded too (outcome ``denied``) and raises
    :class:`PermissionDeniedError`. Commits.
    """
    if subject_kind not in UNMASKABLE_FIELDS:
        raise ValidationError(
            f"主体类型 {subject_kind!r} 无效，应为 person（自然人）或 enterprise（企业）", field="subject_kind"
        )
    if subject_kind == "person":
        code = validate_citizen_id(subject_code, field="公民身份号码").number
    else:
        code = validate_uscc(subject_code, field="统一社会信用代码")
    allowed = UNMASKABLE_FIELDS[subject_kind]
    requested = tuple(dict.fromkeys(name.strip() for name in fields if name and name.strip()))
    if not requested:
        raise ValidationError("请列出需要查看完整内容的字段", field="fields")
    unknown = [name for name in requested if name not in allowed]
    if unknown:
        raise ValidationError(
            f"字段 {'、'.join(unknown)} 不能解除脱敏；可解除的字段：{'、'.join(allowed)}", field="fields"
        )
    if not (purpose or "").strip():
        raise ValidationError("查看完整个人信息必须填写用途", field="purpose")
    source = source_department or BASE_REGISTER_DEPARTMENT
    request = sharing_services.AccessRequest(
        source_department=source, subject_kind=subject_kind, subject_code=code, record_kind="unmask", fields=requested
    )
    if not scopes.can_unmask(actor, source_department=source):
        sharing_services.record_access(
            session, actor=actor, requests=[request], purpose=purpose, legal_basis=legal_basis, outcome="denied"
        )
        session.commit()
        raise PermissionDeniedError("只有数据所属部门的工作人员或平台管理员可以查看完整个人信息", field="fields")
    entries = sharing_services.record_access(
        session, actor=actor, requests=[request], purpose=purpose, legal_basis=legal_basis
    )
    session.commit()
    return UnmaskGrant(
        subject_kind=subject_kind,
        subject_code=code,
        source_department=source,
        fields=requested,
        purpose=purpose.strip(),
        audit_seq=[entry.seq for entry in entries],
    )

"""policies: the 政策直达 pages — policy list and YAML authoring, the simulation report, and "my policies".

Policy officers (department staff of the funding department, platform administrators) write a policy as YAML,
see validation issues with line, column and the unknown or mistyped variable, keep dated versions, simulate the
cost before publishing (what-if on the policy's parameters) and publish with a budget rule; publishing runs the
platform's matching so the grants board can pay the new matches at once. Enterprise agents and citizens see
their own matched policies, the grants they receive, and why they do not qualify for the others.

Every handler parses the request, calls the ``policies`` (or ``grants``) services and renders; access is decided
by the services (out of scope → 404, forbidden → 403).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from yiwang.grants import services as grants_services
from yiwang.grants.schemas import GrantRead
from yiwang.identity import deps as identity_deps
from yiwang.identity import scopes
from yiwang.identity.errors import PermissionDeniedError
from yiwang.identity.scopes import ResourceRef, Role
from yiwang.kernel.actor import SYSTEM_ACTOR, Actor
from yiwang.kernel.errors import NotFoundError, ValidationError, YiwangError
from yiwang.kernel.pages import Page
from yiwang.policies import services
from yiwang.policies.schemas import (
    BUDGET_RULE_LABELS,
    MODE_LABELS,
    BudgetRule,
    Explanation,
    MatchResult,
    PolicyIssue,
    PolicySummary,
    PolicyVersionRead,
    SimulationReport,
    SubjectKind,
    ValidationReport,
    VersionStatus,
)
from yiwang.web.deps import ActorDep, SessionDep, TemplatesDep

router = APIRouter(tags=["policies-pages"], include_in_schema=False)

PAGE_SIZE = 20
Csrf = Annotated[str, Form(max_length=200)]
SourceText = Annotated[str, Form(max_length=100_000)]
STATUS_LABELS = {VersionStatus.DRAFT: "草稿", VersionStatus.PUBLISHED: "已发布", VersionStatus.WITHDRAWN: "已撤回"}
STATUS_TONES = {VersionStatus.DRAFT: "warn", VersionStatus.PUBLISHED: "ok", VersionStatus.WITHDRAWN: "muted"}
SUBJECT_LABELS = {"enterprise": "企业", "person": "个人"}
SIZE_ORDER = ("大", "中", "小", "微")
PARAMETER_PREFIX = "p_"
"""What-if inputs are named ``p_<parameter>`` so they never collide with the page's own query parameters."""

NEW_POLICY_TEMPLATE = """\
# 新政策：按需修改以下各项后点击“校验”，无误再“保存草稿”。右侧为可用的画像变量。
id: {department}-new-policy
title: 新政策名称
subject: enterprise
summary: 一句话说明政策对象和奖补标准。
valid_from: {year}-01-01
valid_until: {year}-12-31
legal_reference:
  document_number: 文号（如 成办发〔{year}〕1号）
  issuer: 发文单位
  clause: 条款
  source: https://
funding_department: {department}
budget: 1000000
mode: confirm
parameters:
  amount: {{value: 10000, label: 奖励金额, unit: 元}}
eligibility:
  all:
    - when: 'status in ["存续", "在业"]'
      label: 企业处于存续或在业状态
    - when: latest(insured_employees) >= 10
      label: 上月参保职工不少于 10 人
award:
  kind: fixed
  amount: amount
"""


# --- helpers -------------------------------------------------------------------------------------------------


def _department_names(session: Session) -> dict[str, str]:
    from yiwang.registry import services as registry  # noqa: PLC0415 - the registry is only needed for labels

    return {d.code: d.name for d in registry.list_departments(session, with_counts=False)}


def can_author(actor: Actor, department: str | None = None) -> bool:
    """Whether the actor may write policies (of ``department``, or of their own department when None)."""
    target = department or actor.department
    if not target:
        return actor.has_role(Role.PLATFORM_ADMIN)
    return scopes.can_write(actor, ResourceRef(kind=services.POLICY_KIND, owner_department=target))


def _require_author(actor: Actor) -> None:
    if not actor.has_role(Role.DEPARTMENT_STAFF, Role.PLATFORM_ADMIN) or not can_author(actor):
        raise PermissionDeniedError("只有资金主管部门的政策制定人员和平台管理员可以编写政策", field="actor")


def _subject_code(actor: Actor) -> str | None:
    """The enterprise or person whose "my policies" the actor sees (enterprise agents first)."""
    if actor.has_role(Role.ENTERPRISE_AGENT) and actor.enterprise_uscc:
        return actor.enterprise_uscc
    if actor.has_role(Role.CITIZEN) and actor.person_id_number:
        return actor.person_id_number
    return None


def _sees_board(actor: Actor) -> bool:
    return actor.has_role(Role.DEPARTMENT_STAFF, Role.LEADER, Role.PLATFORM_ADMIN)


def _nav(actor: Actor) -> dict[str, bool]:
    return {
        "nav_mine": _subject_code(actor) is not None,
        "nav_board": _sees_board(actor),
        "nav_author": actor.has_role(Role.DEPARTMENT_STAFF, Role.PLATFORM_ADMIN) and can_author(actor),
    }


def _all_policies(
    session: Session, actor: Actor, *, q: str | None, subject: SubjectKind | None, status: VersionStatus | None
) -> list[PolicySummary]:
    rows: list[PolicySummary] = []
    page = 1
    while True:
        found = services.list_policies(
            session, actor=actor, q=q, subject=subject, status=status, page=page, page_size=200
        )
        rows.extend(found.items)
        if page >= found.pages:
            return rows
        page += 1


def _issue_text(issue: PolicyIssue) -> str:
    where = ""
    if issue.line:
        where = f"第 {issue.line} 行" + (f"第 {issue.column} 列" if issue.column else "") + "："
    return where + issue.message


def _editor_context(
    session: Session,
    actor: Actor,
    *,
    source: str,
    report: ValidationReport | None = None,
    error: str | None = None,
    policy: PolicyVersionRead | None = None,
    versions: list[PolicyVersionRead] | None = None,
) -> dict[str, Any]:
    kind: SubjectKind | None = policy.subject if policy is not None else None
    return {
        "source": source,
        "report": report,
        "issues": [{"text": _issue_text(i), "issue": i} for i in (report.issues if report else [])],
        "error": error,
        "policy": policy,
        "versions": versions or [],
        "catalogue": services.variable_catalogue(kind),
        "departments": _department_names(session),
        "status_labels": STATUS_LABELS,
        "status_tones": STATUS_TONES,
        "rule_labels": BUDGET_RULE_LABELS,
        "mode_labels": MODE_LABELS,
        "subject_labels": SUBJECT_LABELS,
        **_nav(actor),
    }


# --- list --------------------------------------------------------------------------------------------------


@router.get("/policies", response_class=HTMLResponse, summary="政策直达")
def policy_list(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    q: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=12)] = None,
    subject: Annotated[str | None, Query(max_length=12)] = None,
    department: Annotated[str | None, Query(max_length=32)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Every policy the viewer may see (published ones for everybody, drafts for their department), filtered."""
    chosen_status = VersionStatus(status) if status in {s.value for s in VersionStatus} else None
    chosen_subject: SubjectKind | None = "enterprise" if subject == "enterprise" else None
    if subject == "person":
        chosen_subject = "person"
    rows = _all_policies(session, actor, q=(q or "").strip() or None, subject=chosen_subject, status=chosen_status)
    if department:
        rows = [r for r in rows if r.funding_department == department]
    total = len(rows)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(page, pages)
    result = Page[PolicySummary](
        items=rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], total=total, page=page, page_size=PAGE_SIZE
    )
    names = _department_names(session)
    context = {
        "result": result,
        "filters": {
            "q": q or "",
            "status": chosen_status.value if chosen_status else "",
            "subject": chosen_subject or "",
            "department": department or "",
        },
        "departments": names,
        "status_labels": STATUS_LABELS,
        "status_tones": STATUS_TONES,
        "mode_labels": MODE_LABELS,
        "subject_labels": SUBJECT_LABELS,
        "flash": identity_deps.pop_flash(request),
        **_nav(actor),
    }
    return templates.TemplateResponse(request, "policies/list.html", context)


# --- authoring ---------------------------------------------------------------------------------------------


@router.get("/policies/new", response_class=HTMLResponse, summary="编写政策")
def new_policy(request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep) -> Response:
    """The YAML editor with a starting text and the variable catalogue beside it."""
    _require_author(actor)
    year = services.city_today().year
    source = NEW_POLICY_TEMPLATE.format(department=actor.department or "cityops", year=year)
    context = _editor_context(session, actor, source=source)
    context["csrf_token"] = identity_deps.csrf_token(request)
    context["action"] = "/policies/new"
    return templates.TemplateResponse(request, "policies/editor.html", context)


def _save(
    request: Request,
    session: Session,
    templates: Jinja2Templates,
    actor: Actor,
    *,
    source: str,
    intent: str,
    policy_id: str | None,
) -> Response:
    report = services.validate_policy(source)
    policy: PolicyVersionRead | None = None
    versions: list[PolicyVersionRead] = []
    if policy_id is not None:
        policy = services.get_policy(session, actor=actor, policy_id=policy_id)
        versions = services.list_versions(session, actor=actor, policy_id=policy_id)
    context = _editor_context(session, actor, source=source, report=report, policy=policy, versions=versions)
    context["csrf_token"] = identity_deps.csrf_token(request)
    context["action"] = f"/policies/{policy_id}" if policy_id else "/policies/new"
    context.update({"matches": None, "can_edit": True, "flash": None})
    template = "policies/policy.html" if policy is not None else "policies/editor.html"
    if not report.ok:
        return templates.TemplateResponse(request, template, context, status_code=422)
    if policy_id is not None and report.policy_id != policy_id:
        context["error"] = (
            f"YAML 中的 id（{report.policy_id}）与当前政策（{policy_id}）不一致；新政策请在“新建政策”中保存"
        )
        return templates.TemplateResponse(request, template, context, status_code=422)
    if intent == "validate":
        context["validated"] = True
        return templates.TemplateResponse(request, template, context)
    try:
        saved = services.save_policy(session, actor=actor, source=source)
    except ValidationError as exc:
        session.rollback()
        context["error"] = exc.message
        return templates.TemplateResponse(request, template, context, status_code=422)
    identity_deps.flash(request, f"已保存为第 {saved.version} 版草稿；请先测算，再发布")
    return RedirectResponse(f"/policies/{saved.policy_id}?version={saved.version}", status_code=303)


@router.post("/policies/new", response_class=HTMLResponse, summary="保存新政策")
def create_policy(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    source: SourceText = "",
    intent: Annotated[str, Form(max_length=16)] = "save",
    csrf_token: Csrf = "",
) -> Response:
    """Validate (``intent=validate``) or save a new policy's first draft; issues come back on the editor (422)."""
    identity_deps.verify_csrf(request, csrf_token)
    _require_author(actor)
    return _save(request, session, templates, actor, source=source, intent=intent, policy_id=None)


@router.get("/me/policies", response_class=HTMLResponse, summary="我的政策")
def my_policies(request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep) -> Response:
    """Matched policies with awards, grants received, accounts to confirm, and why not for the rest."""
    return _render_mine(request, session, templates, actor)


@router.get("/policies/mine", include_in_schema=False)
def my_policies_alias() -> Response:
    """The address the grant notices link to."""
    return RedirectResponse("/me/policies", status_code=303)


def _render_mine(
    request: Request,
    session: Session,
    templates: Jinja2Templates,
    actor: Actor,
    *,
    errors: dict[int, str] | None = None,
    status_code: int = 200,
) -> Response:
    code = _subject_code(actor)
    context: dict[str, Any] = {
        "code": code,
        "flash": identity_deps.pop_flash(request),
        "csrf_token": identity_deps.csrf_token(request),
        "errors": errors or {},
        "mode_labels": MODE_LABELS,
        **_nav(actor),
    }
    if code is None:
        return templates.TemplateResponse(request, "policies/mine.html", context, status_code=status_code)
    matches = services.subject_matches(session, actor=actor, subject_code=code)
    grants = grants_services.subject_grants(session, actor=actor, subject_code=code)
    by_policy: dict[str, list[GrantRead]] = {}
    for grant in grants:
        by_policy.setdefault(grant.policy_id, []).append(grant)
    explanations: dict[str, Explanation] = {}
    for match in matches:
        if match.eligible:
            explanations[match.policy_id] = services.explain(
                session, actor=actor, policy_id=match.policy_id, subject_code=code
            )
    eligible = [m for m in matches if m.eligible]
    excluded = [m for m in matches if not m.eligible and m.excluded_by]
    others = [m for m in matches if not m.eligible and not m.excluded_by]
    context.update(
        {
            "eligible": eligible,
            "excluded": excluded,
            "others": others,
            "grants": by_policy,
            "explanations": explanations,
            "to_confirm": [g for g in grants if g.needs_account],
            "received": sum(g.amount for g in grants if g.state == "paid"),
            "pending": sum(g.amount for g in grants if g.state not in {"paid", "cancelled", "failed"}),
            "subject_kind": "enterprise" if code == actor.enterprise_uscc else "person",
        }
    )
    return templates.TemplateResponse(request, "policies/mine.html", context, status_code=status_code)


@router.get("/me/policies/{policy_id}/explain", response_class=HTMLResponse, summary="逐条核验")
def my_explanation(
    policy_id: str, request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep
) -> Response:
    """The condition-by-condition trace of one policy for the viewer's enterprise or person (an htmx fragment)."""
    code = _subject_code(actor)
    if code is None:
        raise NotFoundError("只有企业经办人和市民可以查看本人的政策核验", field="actor")
    explanation = services.explain(session, actor=actor, policy_id=policy_id, subject_code=code)
    context = {"explanation": explanation, "fragment": bool(request.headers.get("hx-request"))}
    return templates.TemplateResponse(request, "policies/_explanation.html", context)


@router.post("/me/policies/grants/{grant_id}/confirm", response_class=HTMLResponse, summary="确认收款账户")
def confirm_account(
    *,
    grant_id: int,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    payee_account: Annotated[str, Form(max_length=40)] = "",
    payee_bank: Annotated[str, Form(max_length=64)] = "",
    row_version: Annotated[str, Form(max_length=12)] = "",
    csrf_token: Csrf = "",
) -> Response:
    """The enterprise (or person) confirms the bank account; a bad account comes back on the page (422)."""
    identity_deps.verify_csrf(request, csrf_token)
    try:
        grants_services.confirm_account(
            session,
            actor=actor,
            grant_id=grant_id,
            payee_account=payee_account,
            payee_bank=payee_bank,
            row_version=int(row_version) if row_version.isdigit() else None,
        )
    except YiwangError as exc:
        if exc.status_code in {403, 404}:
            raise
        session.rollback()
        return _render_mine(
            request, session, templates, actor, errors={grant_id: exc.message}, status_code=exc.status_code
        )
    identity_deps.flash(request, "收款账户已确认，等待资金主管部门审核拨付")
    return RedirectResponse("/me/policies", status_code=303)


# --- one policy ----------------------------------------------------------------------------------------------


@router.get("/policies/{policy_id}", response_class=HTMLResponse, summary="政策详情")
def policy_page(
    *,
    policy_id: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    version: Annotated[int | None, Query(ge=1)] = None,
    matches_page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """A version with its YAML (editable by the funding department), the version history and the catalogue."""
    policy = services.get_policy(session, actor=actor, policy_id=policy_id, version=version)
    versions = services.list_versions(session, actor=actor, policy_id=policy_id)
    context = _editor_context(session, actor, source=policy.source, policy=policy, versions=versions)
    matches: Page[MatchResult] | None = None
    if policy.status is VersionStatus.PUBLISHED and _sees_board(actor):
        try:
            matches = services.policy_matches(
                session, actor=actor, policy_id=policy_id, page=matches_page, page_size=PAGE_SIZE
            )
        except (NotFoundError, PermissionDeniedError):
            matches = None  # leaders of another area or staff of another department: the policy text only
    context.update(
        {
            "csrf_token": identity_deps.csrf_token(request),
            "action": f"/policies/{policy_id}",
            "flash": identity_deps.pop_flash(request),
            "can_edit": can_author(actor, policy.funding_department),
            "matches": matches,
        }
    )
    return templates.TemplateResponse(request, "policies/policy.html", context)


@router.get("/policies/{policy_id}/explain", response_class=HTMLResponse, summary="主体核验")
def explain_page(
    *,
    policy_id: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    subject: Annotated[str, Query(max_length=18)] = "",
) -> Response:
    """An officer's view of one subject's condition-by-condition trace (why it matches, or why not)."""
    policy = services.get_policy(session, actor=actor, policy_id=policy_id)
    context: dict[str, Any] = {"policy": policy, "subject": subject, "explanation": None, "error": None, **_nav(actor)}
    status_code = 200
    if subject.strip():
        try:
            context["explanation"] = services.explain(
                session, actor=actor, policy_id=policy_id, subject_code=subject.strip()
            )
        except ValidationError as exc:
            context["error"], status_code = exc.message, exc.status_code
    return templates.TemplateResponse(request, "policies/explain.html", context, status_code=status_code)


@router.post("/policies/{policy_id}", response_class=HTMLResponse, summary="保存新版本")
def save_version(
    *,
    policy_id: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    source: SourceText = "",
    intent: Annotated[str, Form(max_length=16)] = "save",
    csrf_token: Csrf = "",
) -> Response:
    """Validate or save the edited text as the policy's next draft version."""
    identity_deps.verify_csrf(request, csrf_token)
    current = services.get_policy(session, actor=actor, policy_id=policy_id)
    if not can_author(actor, current.funding_department):
        raise PermissionDeniedError("只有该政策资金主管部门的人员可以修改政策", field="actor")
    return _save(request, session, templates, actor, source=source, intent=intent, policy_id=policy_id)


def _overrides(request: Request, parameters: dict[str, float]) -> tuple[dict[str, float], dict[str, str]]:
    """The what-if values of the query (``p_<name>``) that differ from the policy's, and the raw inputs."""
    overrides: dict[str, float] = {}
    raw: dict[str, str] = {}
    for name, value in parameters.items():
        text = request.query_params.get(PARAMETER_PREFIX + name, "").strip().replace(",", "")
        raw[name] = text
        if not text:
            continue
        try:
            number = float(text)
        except ValueError:
            raise ValidationError(f"参数“{name}”应为数字（当前输入：{text[:20]}）", field=name) from None
        if not math.isfinite(number) or number < 0:
            raise ValidationError(f"参数“{name}”应为不小于 0 的数字", field=name)
        if number != value:
            overrides[name] = number
    return overrides, raw


def _render_simulation(
    request: Request,
    session: Session,
    templates: Jinja2Templates,
    actor: Actor,
    *,
    policy_id: str,
    version: int | None,
    publish_error: str | None = None,
    chosen_rule: str = "",
    status_code: int = 200,
) -> Response:
    policy = services.get_policy(session, actor=actor, policy_id=policy_id, version=version)
    context: dict[str, Any] = {
        "policy": policy,
        "csrf_token": identity_deps.csrf_token(request),
        "publish_error": publish_error,
        "chosen_rule": chosen_rule,
        "rule_labels": BUDGET_RULE_LABELS,
        "rules": list(BudgetRule),
        "status_labels": STATUS_LABELS,
        "status_tones": STATUS_TONES,
        "can_publish": policy.status is VersionStatus.DRAFT and can_author(actor, policy.funding_department),
        "departments": _department_names(session),
        "error": None,
        "error_field": None,
        "report": None,
        "flash": identity_deps.pop_flash(request),
        **_nav(actor),
    }
    try:
        overrides, raw = _overrides(request, policy.parameters)
        context["raw"] = raw
        report = services.simulate(
            session, actor=actor, policy_id=policy_id, version=policy.version, overrides=overrides
        )
    except ValidationError as exc:
        context.update({"error": exc.message, "error_field": exc.field, "raw": context.get("raw", {})})
        status_code = 422
    else:
        context.update(_simulation_charts(report))
        context["report"] = report
    return templates.TemplateResponse(request, "policies/simulate.html", context, status_code=status_code)


def _simulation_charts(report: SimulationReport) -> dict[str, Any]:
    sizes = {b.key: b for b in report.by_size}
    ordered_sizes = [sizes[k] for k in SIZE_ORDER if k in sizes] + [b for k, b in sizes.items() if k not in SIZE_ORDER]
    return {
        "district_rows": [{"name": b.label, "value": b.amount} for b in report.by_district],
        "industry_rows": [{"name": f"{b.key} {b.label}", "value": b.amount} for b in report.by_industry],
        "size_rows": [{"name": b.label, "value": b.count} for b in ordered_sizes],
        "year_rows": [{"name": f"第 {y.year} 年", "value": y.amount} for y in report.by_year],
        "failing_rows": [{"name": b.label, "value": b.count} for b in report.failing],
        "sizes": ordered_sizes,
    }


@router.get("/policies/{policy_id}/simulate", response_class=HTMLResponse, summary="预算测算")
def simulate_page(
    *,
    policy_id: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """Cost, beneficiaries and distributions with charts; the what-if form; publishing with a budget rule."""
    return _render_simulation(request, session, templates, actor, policy_id=policy_id, version=version)


@router.post("/policies/{policy_id}/versions/{version}/publish", response_class=HTMLResponse, summary="发布政策")
def publish(
    *,
    policy_id: str,
    version: int,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    budget_rule: Annotated[str, Form(max_length=16)] = "refuse",
    csrf_token: Csrf = "",
) -> Response:
    """Publish a draft; over budget without a rule the refusal is shown on the simulation page (422).

    After publishing, the platform's matching job runs at once (incrementally) so the new policy's matches are
    on the grants board and on the subjects' "my policies" pages without waiting for the nightly run.
    """
    identity_deps.verify_csrf(request, csrf_token)
    if budget_rule not in {r.value for r in BudgetRule}:
        return _render_simulation(
            request, session, templates, actor, policy_id=policy_id, version=version,
            publish_error="请选择预算规则", status_code=422,
        )  # fmt: skip
    try:
        published = services.publish(
            session, actor=actor, policy_id=policy_id, version=version, budget_rule=BudgetRule(budget_rule)
        )
    except ValidationError as exc:
        session.rollback()
        return _render_simulation(
            request, session, templates, actor, policy_id=policy_id, version=version,
            publish_error=exc.message, chosen_rule=budget_rule, status_code=422,
        )  # fmt: skip
    # The matching run is a platform job (it writes every subject's results), so it acts as the system.
    report = services.run_matching(session, actor=SYSTEM_ACTOR)
    eligible = services.policy_matches(session, actor=actor, policy_id=policy_id, page_size=1).total
    rule = BUDGET_RULE_LABELS[published.budget_rule]
    identity_deps.flash(
        request,
        f"第 {published.version} 版已发布（预算规则：{rule}）；匹配完成，{eligible} 个主体符合条件"
        f"（用时 {report.seconds} 秒）。可在资金台账中生成资金记录。",
    )
    return RedirectResponse(f"/policies/{policy_id}", status_code=303)

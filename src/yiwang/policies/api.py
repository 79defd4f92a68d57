"""policies: REST API (政策直达): variables, validation, versions, simulation, publishing, matching, explanations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from yiwang.kernel.pages import Page
from yiwang.policies import services
from yiwang.policies.schemas import (
    Explanation,
    MatchResult,
    MatchRunReport,
    PolicyIssue,
    PolicySummary,
    PolicyVersionRead,
    ProfileRead,
    PublishRequest,
    SimulationReport,
    SubjectKind,
    ValidationReport,
    VariableInfo,
    VersionStatus,
)
from yiwang.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/policies", tags=["policies"])

YamlBody = Annotated[str, Body(media_type="application/yaml", description="政策 YAML 文本")]


class SimulateRequest(BaseModel):
    """What-if: parameter overrides and the profile date."""

    overrides: dict[str, float] = Field(default_factory=dict)
    as_of: dt.date | None = None
    version: int | None = None


class MatchRequest(BaseModel):
    """A matching run."""

    as_of: dt.date | None = None
    policy_ids: list[str] | None = None
    full: bool = False


def _issue(issue: PolicyIssue) -> dict[str, Any]:
    where = ""
    if issue.line:
        where = f"第 {issue.line} 行" + (f"第 {issue.column} 列" if issue.column else "") + "："
    return {
        "code": "invalid",
        "field": issue.path,
        "message": where + issue.message,
        "line": issue.line,
        "column": issue.column,
        "variable": issue.variable,
    }


def _invalid(report: ValidationReport) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": [_issue(i) for i in report.issues]})


@router.get("/variables", summary="画像变量目录")
def variables(subject: SubjectKind | None = None) -> list[VariableInfo]:
    """The typed profile variables a policy may use (name, label, type, unit, source, how computed)."""
    return services.variable_catalogue(subject)


@router.post("/validate", summary="校验政策")
def validate(source: YamlBody) -> ValidationReport:
    """Validate a policy text without saving it; issues point at YAML line and column."""
    return services.validate_policy(source)


@router.get("", summary="政策列表")
def list_policies(
    *,
    session: SessionDep,
    actor: ActorDep,
    q: Annotated[str | None, Query(max_length=64)] = None,
    subject: SubjectKind | None = None,
    status: VersionStatus | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> Page[PolicySummary]:
    """The latest visible version of each policy."""
    return services.list_policies(
        session, actor=actor, q=q, subject=subject, status=status, page=page, page_size=page_size
    )


@router.post("", status_code=201, summary="保存政策草稿", response_model=PolicyVersionRead)
def save_policy(source: YamlBody, session: SessionDep, actor: ActorDep) -> Any:
    """Store the YAML as a new draft version (422 with line/column/variable for each problem)."""
    report = services.validate_policy(source)
    if not report.ok:
        return _invalid(report)
    return services.save_policy(session, actor=actor, source=source)


@router.post("/match", summary="批量匹配")
def run_matching(body: MatchRequest, session: SessionDep, actor: ActorDep) -> MatchRunReport:
    """Match all versions in force (platform administrators and jobs)."""
    return services.run_matching(session, actor=actor, as_of=body.as_of, policy_ids=body.policy_ids, full=body.full)


@router.get("/subjects/{code}/matches", summary="我的政策")
def subject_matches(
    code: str, session: SessionDep, actor: ActorDep, *, eligible_only: bool = False, as_of: dt.date | None = None
) -> list[MatchResult]:
    """Every policy in force for a subject: matched, or the reasons why not."""
    return services.subject_matches(session, actor=actor, subject_code=code, eligible_only=eligible_only, as_of=as_of)


@router.get("/subjects/{code}/profile", summary="主体画像")
def subject_profile(code: str, session: SessionDep, actor: ActorDep, as_of: dt.date | None = None) -> ProfileRead:
    """A subject's profile as of a date."""
    return services.get_profile(session, actor=actor, subject_code=code, as_of=as_of)


@router.get("/{policy_id}", summary="政策详情")
def get_policy(policy_id: str, session: SessionDep, actor: ActorDep, version: int | None = None) -> PolicyVersionRead:
    """One version (default: the latest visible)."""
    return services.get_policy(session, actor=actor, policy_id=policy_id, version=version)


@router.get("/{policy_id}/versions", summary="政策版本")
def list_versions(policy_id: str, session: SessionDep, actor: ActorDep) -> list[PolicyVersionRead]:
    """Every visible version, newest first."""
    return services.list_versions(session, actor=actor, policy_id=policy_id)


@router.post("/{policy_id}/simulate", summary="预算测算")
def simulate(policy_id: str, body: SimulateRequest, session: SessionDep, actor: ActorDep) -> SimulationReport:
    """Cost, beneficiaries and distributions, with what-if overrides."""
    return services.simulate(
        session, actor=actor, policy_id=policy_id, version=body.version, overrides=body.overrides, as_of=body.as_of
    )


@router.post("/{policy_id}/versions/{version}/publish", summary="发布政策")
def publish(
    policy_id: str, version: int, body: PublishRequest, session: SessionDep, actor: ActorDep
) -> PolicyVersionRead:
    """Publish a draft; over budget is refused (422) unless a budget rule is chosen."""
    return services.publish(
        session, actor=actor, policy_id=policy_id, version=version, budget_rule=body.budget_rule, note=body.note
    )


@router.post("/{policy_id}/versions/{version}/withdraw", summary="撤回政策")
def withdraw(policy_id: str, version: int, session: SessionDep, actor: ActorDep) -> PolicyVersionRead:
    """Withdraw a version."""
    return services.withdraw(session, actor=actor, policy_id=policy_id, version=version)


@router.get("/{policy_id}/matches", summary="匹配结果")
def policy_matches(
    policy_id: str,
    session: SessionDep,
    actor: ActorDep,
    *,
    eligible_only: bool = True,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[MatchResult]:
    """Stored results of one policy, in first-come order."""
    return services.policy_matches(
        session, actor=actor, policy_id=policy_id, eligible_only=eligible_only, page=page, page_size=page_size
    )


@router.get("/{policy_id}/explain/{code}", summary="逐条解释")
def explain(
    policy_id: str, code: str, session: SessionDep, actor: ActorDep, as_of: dt.date | None = None
) -> Explanation:
    """The condition-by-condition explanation for one subject, in Chinese."""
    return services.explain(session, actor=actor, policy_id=policy_id, subject_code=code, as_of=as_of)

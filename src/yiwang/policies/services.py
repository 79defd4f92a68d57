"""Use cases of 政策直达: save and publish policy versions, simulate budgets, match in batch, explain per subject.

Services take ``session`` and ``actor`` (keyword-only) and own their transaction. Access goes through
``identity.access``: writing a policy needs write access to a ``policy`` resource of its funding department
(that department's staff, platform admins); match results are ``POLICY_MATCH`` resources about one enterprise
or person, owned by the funding department. Published policies are public information; drafts are not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import TypeVar, cast
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import Table, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from yiwang.db import as_utc, utcnow
from yiwang.identity import access
from yiwang.identity.scopes import ResourceKind, ResourceRef
from yiwang.kernel.actor import SYSTEM_ACTOR, Actor
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError
from yiwang.kernel.identifiers import validate_citizen_id, validate_uscc
from yiwang.kernel.pages import Page
from yiwang.policies import catalogue, document, matching, profiles
from yiwang.policies.document import Policy
from yiwang.policies.interpreter import format_value
from yiwang.policies.models import PolicyMatch, PolicyVersion, ProfileState
from yiwang.policies.schemas import (
    Bucket,
    BudgetAllocation,
    BudgetRule,
    Explanation,
    InstalmentResult,
    MatchResult,
    MatchRunReport,
    PolicyMode,
    PolicySummary,
    PolicyVersionRead,
    ProfileRead,
    SimulationReport,
    SubjectKind,
    ValidationReport,
    VariableInfo,
    VersionStatus,
    YearCost,
)
from yiwang.registry import snapshots

DATA_DIR = Path(__file__).resolve().parent / "data"
"""Shipped policies (YAML), published by ``yiwang demo``."""
POLICY_KIND = "policy"
"""Resource kind of a policy version for ``identity.access`` (owned by its funding department)."""
CITY_TZ = ZoneInfo("Asia/Shanghai")
_T = TypeVar("_T")
SIZE_LABELS = {"大": "大型", "中": "中型", "小": "小型", "微": "微型"}


def city_today() -> dt.date:
    """Today in Chengdu (the default profile and evaluation date)."""
    return dt.datetime.now(CITY_TZ).date()


# --- reading and validating policies -----------------------------------------------------------------------


def variable_catalogue(subject: SubjectKind | None = None) -> list[VariableInfo]:
    """The documented profile variables (optionally of one subject kind)."""
    return catalogue.variables(subject)


def validate_policy(source: str) -> ValidationReport:
    """Parse and type-check a policy text; each issue has its YAML line/column, path and variable."""
    return document.validate(source)


@lru_cache(maxsize=256)
def _parse(source: str) -> Policy:
    policy, issues = document.load(source)
    if policy is None:  # stored versions were valid when saved; the catalogue may have changed since
        raise ValidationError("已保存的政策无法通过校验：" + "；".join(i.message for i in issues), field="source")
    return policy


def _invalid(report: ValidationReport) -> ValidationError:
    first = report.issues[0]
    where = f"第 {first.line} 行" + (f"第 {first.column} 列" if first.column else "") if first.line else ""
    more = f"（共 {len(report.issues)} 处问题）" if len(report.issues) > 1 else ""
    error = ValidationError(f"政策校验未通过：{where}{first.message}{more}", field=first.path or "source")
    error.issues = report.issues  # type: ignore[attr-defined]
    return error


def _policy_ref(department: str) -> ResourceRef:
    return ResourceRef(kind=POLICY_KIND, owner_department=department)


def _read(row: PolicyVersion) -> PolicyVersionRead:
    doc = row.document
    return PolicyVersionRead(
        policy_id=row.policy_id,
        version=row.version,
        title=row.title,
        subject=row.subject_kind,
        status=VersionStatus(row.status),
        mode=PolicyMode(row.mode),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        funding_department=row.funding_department,
        budget=row.budget,
        budget_rule=BudgetRule(row.budget_rule),
        effective_budget=row.effective_budget,
        scale_factor=row.scale_factor,
        document_number=str(doc.get("legal_reference", {}).get("document_number", "")),
        source_url=str(doc.get("legal_reference", {}).get("source", "")),
        excludes=list(doc.get("excludes", [])),
        parameters={k: float(v["value"]) for k, v in doc.get("parameters", {}).items()},
        source=row.source,
        created_at=as_utc(row.created_at),
        created_by=row.created_by,
        published_at=as_utc(row.published_at) if row.published_at else None,
        published_by=row.published_by,
        simulated_cost=row.simulated_cost,
        simulated_beneficiaries=row.simulated_beneficiaries,
    )


def save_policy(session: Session, *, actor: Actor, source: str) -> PolicyVersionRead:
    """Validate and store the text as a new draft version of its policy (422 with every issue if invalid)."""
    report = document.validate(source)
    if not report.ok:
        raise _invalid(report)
    policy = _parse(source)
    doc = policy.document
    access.authorize(actor, _policy_ref(doc.funding_department), "write")
    rows = session.scalars(select(PolicyVersion).where(PolicyVersion.policy_id == doc.id)).all()
    if rows and rows[0].funding_department != doc.funding_department:
        access.authorize(actor, _policy_ref(rows[0].funding_department), "write")
    number = max((r.version for r in rows), default=0) + 1
    row = PolicyVersion(
        policy_id=doc.id,
        version=number,
        title=doc.title,
        subject_kind=doc.subject,
        status=VersionStatus.DRAFT.value,
        mode=doc.mode.value,
        valid_from=doc.valid_from,
        valid_until=doc.valid_until,
        funding_department=doc.funding_department,
        budget=doc.budget,
        budget_rule=BudgetRule.REFUSE.value,
        effective_budget=doc.budget,
        source=source,
        document=doc.model_dump(mode="json", by_alias=True),
        created_by=actor.id,
        note="",
    )
    session.add(row)
    session.commit()
    return _read(row)


def _visible(actor: Actor, row: PolicyVersion) -> bool:
    if row.status == VersionStatus.PUBLISHED.value:
        return True
    try:
        access.authorize(actor, _policy_ref(row.funding_department))
    except NotFoundError:
        return False
    return True


def _version_row(session: Session, *, actor: Actor, policy_id: str, version: int | None) -> PolicyVersion:
    query = select(PolicyVersion).where(PolicyVersion.policy_id == policy_id)
    rows = [r for r in session.scalars(query.order_by(PolicyVersion.version.desc())) if _visible(actor, r)]
    if version is not None:
        rows = [r for r in rows if r.version == version]
    if not rows:
        suffix = f"第 {version} 版" if version is not None else ""
        raise NotFoundError(f"政策“{policy_id}”{suffix}不存在", field="policy_id")
    return rows[0]


def get_policy(session: Session, *, actor: Actor, policy_id: str, version: int | None = None) -> PolicyVersionRead:
    """One version (default: the latest the actor may see)."""
    return _read(_version_row(session, actor=actor, policy_id=policy_id, version=version))


def list_versions(session: Session, *, actor: Actor, policy_id: str) -> list[PolicyVersionRead]:
    """Every version of a policy the actor may see, newest first."""
    query = select(PolicyVersion).where(PolicyVersion.policy_id == policy_id).order_by(PolicyVersion.version.desc())
    rows = [_read(r) for r in session.scalars(query) if _visible(actor, r)]
    if not rows:
        raise NotFoundError(f"政策“{policy_id}”不存在", field="policy_id")
    return rows


def list_policies(
    session: Session,
    *,
    actor: Actor,
    q: str | None = None,
    subject: SubjectKind | None = None,
    status: VersionStatus | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page[PolicySummary]:
    """The latest visible version of each policy, with its beneficiaries and committed awards."""
    query = select(PolicyVersion).order_by(PolicyVersion.policy_id, PolicyVersion.version.desc())
    if q:
        query = query.where(or_(PolicyVersion.title.contains(q), PolicyVersion.policy_id.contains(q)))
    if subject:
        query = query.where(PolicyVersion.subject_kind == subject)
    latest: dict[str, PolicyVersion] = {}
    for row in session.scalars(query):
        if row.policy_id not in latest and _visible(actor, row):
            latest[row.policy_id] = row
    rows = [r for r in latest.values() if status is None or r.status == status.value]
    totals = {
        pid: (int(n), int(s or 0))
        for pid, n, s in session.execute(
            select(PolicyMatch.policy_id, func.count(), func.sum(PolicyMatch.final_award))
            .where(PolicyMatch.eligible.is_(True))
            .group_by(PolicyMatch.policy_id)
        )
    }
    page = max(1, page)
    page_size = max(1, min(page_size, 200))
    chosen = rows[(page - 1) * page_size : page * page_size]
    items = [
        PolicySummary(
            policy_id=r.policy_id,
            title=r.title,
            subject=r.subject_kind,
            mode=PolicyMode(r.mode),
            funding_department=r.funding_department,
            latest_version=r.version,
            status=VersionStatus(r.status),
            valid_from=r.valid_from,
            valid_until=r.valid_until,
            budget=r.effective_budget,
            beneficiaries=totals.get(r.policy_id, (0, 0))[0],
            committed=totals.get(r.policy_id, (0, 0))[1],
        )
        for r in chosen
    ]
    return Page(items=items, total=len(rows), page=page, page_size=page_size)


def _in_force_rows(session: Session, *, on: dt.date, kind: SubjectKind | None = None) -> list[PolicyVersion]:
    """Published versions in force on a date: per policy, the latest ``valid_from`` (then version) wins."""
    query = select(PolicyVersion).where(
        PolicyVersion.status == VersionStatus.PUBLISHED.value,
        PolicyVersion.valid_from <= on,
        or_(PolicyVersion.valid_until.is_(None), PolicyVersion.valid_until >= on),
    )
    if kind is not None:
        query = query.where(PolicyVersion.subject_kind == kind)
    chosen: dict[str, PolicyVersion] = {}
    for row in session.scalars(query.order_by(PolicyVersion.valid_from, PolicyVersion.version)):
        chosen[row.policy_id] = row
    return [chosen[k] for k in sorted(chosen)]


def version_in_force(session: Session, *, policy_id: str, on: dt.date) -> PolicyVersionRead | None:
    """The published version of a policy in force on a date, if any."""
    rows = [r for r in _in_force_rows(session, on=on) if r.policy_id == policy_id]
    return _read(rows[0]) if rows else None


# --- profiles ----------------------------------------------------------------------------------------------


def _subject_kind(code: str) -> tuple[SubjectKind, str]:
    text = (code or "").strip().upper()
    try:
        return "enterprise", validate_uscc(text, field="subject")
    except ValidationError:
        pass
    try:
        return "person", validate_citizen_id(text, field="subject").number
    except ValidationError:
        raise ValidationError("主体代码无效：应为 18 位统一社会信用代码或公民身份号码", field="subject") from None


_SHARED_PROFILES: ContextVar[dict[tuple[str, dt.date], pl.DataFrame] | None] = ContextVar(
    "policies_shared_profiles", default=None
)


@contextmanager
def shared_profiles() -> Iterator[None]:
    """Within the block, the whole city's profile frame is built once per subject kind and date.

    For a sequence of steps over unchanged registry data — publishing every shipped policy (each simulated
    first) and matching them — instead of one registry snapshot per step. Nested blocks share the outer cache.
    """
    if _SHARED_PROFILES.get() is not None:
        yield
        return
    token = _SHARED_PROFILES.set({})
    try:
        yield
    finally:
        _SHARED_PROFILES.reset(token)


def _profile_frame(
    session: Session, *, kind: SubjectKind, as_of: dt.date, codes: Sequence[str] | None = None
) -> pl.DataFrame:
    cache = _SHARED_PROFILES.get()
    if cache is not None and codes is None and (kind, as_of) in cache:
        return cache[kind, as_of]
    frames = snapshots.database_frames(session, kind=kind, codes=codes)
    frame = profiles.compute(frames, kind=kind, as_of=as_of)
    if cache is not None and codes is None:
        cache[kind, as_of] = frame
    return frame


def _one_profile(session: Session, *, kind: SubjectKind, code: str, as_of: dt.date) -> dict[str, object]:
    frame = _profile_frame(session, kind=kind, as_of=as_of, codes=[code])
    if frame.height == 0:
        label = "企业" if kind == "enterprise" else "自然人"
        raise NotFoundError(f"未找到该{label}", field="subject")
    return frame.row(0, named=True)


def _subject_ref(kind: SubjectKind, code: str, *, department: str | None, district: object) -> ResourceRef:
    return ResourceRef(
        kind=ResourceKind.POLICY_MATCH,
        owner_department=department,
        district_code=str(district) if district else None,
        enterprise_uscc=code if kind == "enterprise" else None,
        person_id_number=code if kind == "person" else None,
    )


def get_profile(session: Session, *, actor: Actor, subject_code: str, as_of: dt.date | None = None) -> ProfileRead:
    """One subject's profile (画像) as of a date; the subject themselves, leaders and admins may read it."""
    kind, code = _subject_kind(subject_code)
    day = as_of or city_today()
    row = _one_profile(session, kind=kind, code=code, as_of=day)
    access.authorize(actor, _subject_ref(kind, code, department=None, district=row.get("district_code")))
    values = {k: v for k, v in row.items() if k not in {"subject_code", "profile_hash"}}
    return ProfileRead(
        subject_kind=kind, subject_code=code, as_of=day, values=values, profile_hash=str(row["profile_hash"])
    )


# --- simulation and publishing ------------------------------------------------------------------------------


def _plans_with_exclusions(
    session: Session, policy: Policy, overrides: dict[str, float] | None, on: dt.date
) -> list[matching.Plan]:
    plans = [matching.plan(policy, overrides)]
    for row in _in_force_rows(session, on=on, kind=policy.document.subject):
        other = _parse(row.source)
        if other.id == policy.id:
            continue
        if other.id in policy.document.excludes or policy.id in other.document.excludes:
            plans.append(matching.plan(other))
    return plans


def _buckets(frame: pl.DataFrame, column: str, names: dict[str, str]) -> list[Bucket]:
    if frame.height == 0 or column not in frame.columns:
        return []
    grouped = (
        frame.group_by(column)
        .agg(pl.len().alias("count"), pl.col("award").sum().alias("amount"))
        .sort(["amount", column], descending=[True, False])
    )
    return [
        Bucket(
            key=str(r[column]), label=names.get(str(r[column]), str(r[column])), count=r["count"], amount=r["amount"]
        )
        for r in grouped.iter_rows(named=True)
    ]


def _district_names(session: Session) -> dict[str, str]:
    from yiwang.geo import services as geo_services  # noqa: PLC0415 - names only for reports

    return geo_services.division_names(session)


def _section_names() -> dict[str, str]:
    from yiwang.registry.industry import section_name  # noqa: PLC0415 - pure lookup

    return {c: section_name(c) for c in "ABCDEFGHIJKLMNOPQRST"}


def simulate(
    session: Session,
    *,
    actor: Actor,
    policy_id: str,
    version: int | None = None,
    overrides: dict[str, float] | None = None,
    as_of: dt.date | None = None,
) -> SimulationReport:
    """Cost and reach of a version on the current profiles, with what-if parameter overrides."""
    started = time.perf_counter()
    row = _version_row(session, actor=actor, policy_id=policy_id, version=version)
    policy = _parse(row.source)
    unknown = sorted(set(overrides or {}) - set(policy.parameters))
    if unknown:
        raise ValidationError(
            f"未知参数：{'、'.join(unknown)}（可调整：{'、'.join(policy.parameters) or '无'}）", field="overrides"
        )
    day = as_of or city_today()
    kind = policy.document.subject
    frame = _profile_frame(session, kind=kind, as_of=day)
    plans = _plans_with_exclusions(session, policy, overrides, day)
    wide = matching.evaluate(frame, plans, as_of=day, fields=("eligible", "award", "total", "fail"))
    pid = policy.id
    result = frame.select(
        "subject_code", *[c for c in ("district_code", "industry_section", "size_class") if c in frame.columns]
    )
    result = result.with_columns(
        eligible=wide[f"{pid}:eligible"],
        award=wide[f"{pid}:award"],
        total=wide[f"{pid}:total"],
        fail=wide[f"{pid}:fail"],
    )
    winners = result.filter(pl.col("eligible"))
    cost = int(winners["award"].sum() or 0)
    budget = row.effective_budget
    by_year: list[YearCost] = []
    newly = result.filter(pl.col("total") > 0)
    if policy.award.kind == "schedule":
        from yiwang.policies.compiler import Compiler  # noqa: PLC0415 - year amounts only

        compiler = Compiler(policy, as_of=day, params=matching.plan(policy, overrides).params)
        qualified = frame.filter(pl.col("subject_code").is_in(newly["subject_code"].implode()))
        for instalment in policy.award.instalments:
            amounts = (
                qualified.select(compiler.award(instalment.award).alias("a"))["a"]
                if qualified.height
                else pl.Series([], dtype=pl.Int64)
            )
            by_year.append(YearCost(year=instalment.year, count=qualified.height, amount=int(amounts.sum() or 0)))
    else:
        by_year.append(YearCost(year=1, count=winners.height, amount=cost))
    tops = matching.top_conditions(policy.eligibility)
    failing = [
        Bucket(
            key=str(i),
            label=cond.label or cond.text or cond.kind,
            count=int(((result["fail"] & (1 << i)) > 0).sum()),
            amount=0,
        )
        for i, cond in enumerate(tops)
    ]
    ordered = winners.sort("subject_code")
    first_come = int((ordered["award"].cum_sum() <= budget).sum()) if ordered.height else 0
    district_names = _district_names(session)
    return SimulationReport(
        policy_id=pid,
        policy_version=row.version,
        title=row.title,
        as_of=day,
        overrides=dict(overrides or {}),
        subjects=frame.height,
        beneficiaries=winners.height,
        cost=cost,
        multi_year_cost=sum(y.amount for y in by_year),
        budget=budget,
        over_budget=cost > budget,
        by_district=_buckets(winners, "district_code", district_names),
        by_industry=_buckets(winners, "industry_section", _section_names()),
        by_size=_buckets(winners, "size_class", SIZE_LABELS),
        by_year=by_year,
        failing=failing,
        scale_factor=(budget / cost) if cost > budget else None,
        first_come_funded=first_come,
        seconds=round(time.perf_counter() - started, 3),
    )


def publish(
    session: Session,
    *,
    actor: Actor,
    policy_id: str,
    version: int,
    budget_rule: BudgetRule = BudgetRule.REFUSE,
    note: str = "",
) -> PolicyVersionRead:
    """Publish a draft after simulating it; over budget is refused unless a budget rule is chosen."""
    row = _version_row(session, actor=actor, policy_id=policy_id, version=version)
    access.authorize(actor, _policy_ref(row.funding_department), "write")
    if row.status != VersionStatus.DRAFT.value:
        raise ConflictError(f"第 {version} 版已{'发布' if row.status == 'published' else '撤回'}，不能再次发布")
    report = simulate(session, actor=actor, policy_id=policy_id, version=version)
    budget = row.budget
    scale: float | None = None
    effective = budget
    if report.cost > budget:
        if budget_rule is BudgetRule.REFUSE:
            raise ValidationError(
                f"预计兑现 {format_value(report.cost, '元')}（{report.beneficiaries} 户）超出预算 "
                f"{format_value(budget, '元')}，不予发布；请调整条件或金额，或选择预算规则："
                "按比例核减（pro_rata）、先到先得（first_come）、追加预算（raise_budget）",
                field="budget_rule",
            )
        if budget_rule is BudgetRule.PRO_RATA:
            scale = budget / report.cost
        elif budget_rule is BudgetRule.RAISE_BUDGET:
            effective = report.cost
    current = session.get(PolicyVersion, row.id, with_for_update=True)
    if current is None or current.status != VersionStatus.DRAFT.value:
        raise ConflictError("该版本已被他人发布或撤回，请刷新后重试")
    current.status = VersionStatus.PUBLISHED.value
    current.budget_rule = budget_rule.value
    current.scale_factor = scale
    current.effective_budget = effective
    current.simulated_cost = report.cost
    current.simulated_beneficiaries = report.beneficiaries
    current.published_at = utcnow()
    current.published_by = actor.id
    current.note = note
    session.commit()
    return _read(current)


def withdraw(session: Session, *, actor: Actor, policy_id: str, version: int) -> PolicyVersionRead:
    """Withdraw a version (it stops being in force; its matches go at the next run)."""
    row = _version_row(session, actor=actor, policy_id=policy_id, version=version)
    access.authorize(actor, _policy_ref(row.funding_department), "write")
    if row.status == VersionStatus.WITHDRAWN.value:
        raise ConflictError(f"第 {version} 版已撤回")
    row.status = VersionStatus.WITHDRAWN.value
    session.commit()
    return _read(row)


def budget_allocation(session: Session, *, policy_id: str, on: dt.date | None = None) -> BudgetAllocation:
    """The budget decision of the version in force, for the grants ledger."""
    rows = [r for r in _in_force_rows(session, on=on or city_today()) if r.policy_id == policy_id]
    if not rows:
        raise NotFoundError(f"政策“{policy_id}”没有生效的已发布版本", field="policy_id")
    row = rows[0]
    return BudgetAllocation(
        policy_id=row.policy_id,
        policy_version=row.version,
        budget_rule=BudgetRule(row.budget_rule),
        budget=row.budget,
        effective_budget=row.effective_budget,
        scale_factor=row.scale_factor,
        mode=PolicyMode(row.mode),
        funding_department=row.funding_department,
    )


# --- batch matching ----------------------------------------------------------------------------------------


def _uses_date(policy: Policy) -> bool:
    """Whether the policy's value depends on the evaluation date beyond the profile (``years_since``)."""
    return any(f"{name}(" in policy.source for name in catalogue.DATE_FUNCTIONS)


def run_matching(
    session: Session,
    *,
    actor: Actor = SYSTEM_ACTOR,
    as_of: dt.date | None = None,
    policy_ids: Iterable[str] | None = None,
    full: bool = False,
) -> MatchRunReport:
    """Match the versions in force against every subject; re-evaluate only changed subjects or versions."""
    started = time.perf_counter()
    access.authorize(actor, _policy_ref("finance"), "write")  # a job of the platform (system or admin)
    day = as_of or city_today()
    wanted = set(policy_ids) if policy_ids is not None else None
    totals = {"policies": 0, "subjects": 0, "evaluated": 0, "reused": 0, "eligible": 0, "written": 0}
    for kind in ("enterprise", "person"):
        rows = [r for r in _in_force_rows(session, on=day, kind=kind) if wanted is None or r.policy_id in wanted]
        _match_kind(session, kind=kind, rows=rows, day=day, full=full, restrict=wanted is not None, totals=totals)
    session.commit()
    return MatchRunReport(as_of=day, seconds=round(time.perf_counter() - started, 3), **totals)


def matching_is_current(session: Session, *, as_of: dt.date | None = None) -> bool:
    """Whether the last full run of every subject kind used the versions in force on the date, on that date.

    Registry changes since are not looked at (that needs the profiles, i.e. a run); ``yiwang demo`` uses this
    to leave an already prepared database as it is.
    """
    day = as_of or city_today()
    for kind in ("enterprise", "person"):
        rows = _in_force_rows(session, on=day, kind=kind)
        if not rows:
            continue
        run = session.get(ProfileState, (RUN_KIND, kind))
        digest = _versions_digest({r.policy_id: r.version for r in rows})
        if run is None or run.profile_hash != digest or run.as_of != day:
            return False
    return True


def _match_kind(  # noqa: C901 - one incremental run, step by step
    session: Session,
    *,
    kind: SubjectKind,
    rows: list[PolicyVersion],
    day: dt.date,
    full: bool,
    restrict: bool,
    totals: dict[str, int],
) -> None:
    in_force = {r.policy_id for r in rows}
    if not restrict:  # versions no longer in force lose their results
        stale = select(PolicyMatch.policy_id).where(PolicyMatch.subject_kind == kind).distinct()
        gone = [pid for pid in session.scalars(stale) if pid not in in_force]
        if gone:
            session.execute(delete(PolicyMatch).where(PolicyMatch.policy_id.in_(gone)))
    if not rows:
        return
    policies = {r.policy_id: (r, _parse(r.source)) for r in rows}
    plans = [matching.plan(p) for _, p in policies.values()]
    frame = _profile_frame(session, kind=kind, as_of=day)
    states = dict(
        session.execute(
            select(ProfileState.subject_code, ProfileState.profile_hash).where(ProfileState.subject_kind == kind)
        ).all()
    )
    run = session.get(ProfileState, (RUN_KIND, kind))
    digest = _versions_digest({pid: r.version for pid, (r, _) in policies.items()})
    dated = any(_uses_date(p) for _, p in policies.values())
    policies_changed = full or restrict or run is None or run.profile_hash != digest or (dated and run.as_of != day)
    hashes = dict(zip(frame["subject_code"].to_list(), frame["profile_hash"].to_list(), strict=True))
    changed_codes = [c for c, h in hashes.items() if states.get(c) != h]
    removed = [c for c in states if c not in hashes]
    target = frame if policies_changed else frame.filter(pl.col("subject_code").is_in(changed_codes))
    totals["policies"] += len(plans)
    totals["subjects"] += frame.height
    totals["evaluated"] += target.height * len(plans)
    totals["reused"] += (frame.height - target.height) * len(plans)
    if target.height == 0 and not removed:
        if not restrict:
            _record_run(session, kind, digest, day)
        return
    found = matching.match(target, plans, as_of=day)
    codes = target["subject_code"].to_list()
    pids = list(policies)
    if policies_changed:
        session.execute(delete(PolicyMatch).where(PolicyMatch.subject_kind == kind, PolicyMatch.policy_id.in_(pids)))
    else:
        for chunk in _chunks([*codes, *removed], 500):
            session.execute(
                delete(PolicyMatch).where(PolicyMatch.subject_kind == kind, PolicyMatch.subject_code.in_(chunk))
            )
    extra = target.select(
        "subject_code", "district_code", *[c for c in ("industry_section", "size_class") if c in target.columns]
    )
    long = pl.concat(
        [
            found.select(
                pl.col("policy_id").cast(pl.String),
                "eligible",
                "award",
                "total",
                "due",
                "fail",
                pl.col("excluded_by").cast(pl.String),
            ),
            extra[found[matching.ROW]],
        ],
        how="horizontal",
    )
    now = utcnow()
    records = []
    for r in long.iter_rows(named=True):
        row, _ = policies[r["policy_id"]]
        final = r["award"]
        if row.scale_factor is not None:
            final = int(r["award"] * row.scale_factor)
        records.append(
            {
                "policy_id": r["policy_id"],
                "policy_version": row.version,
                "subject_kind": kind,
                "subject_code": r["subject_code"],
                "as_of": day,
                "profile_hash": hashes[r["subject_code"]],
                "eligible": bool(r["eligible"]),
                "award": int(r["award"]),
                "final_award": int(final),
                "schedule_total": int(r["total"]),
                "due_mask": int(r["due"]),
                "fail_mask": int(r["fail"]),
                "excluded_by": r["excluded_by"],
                "order_key": f"{day.isoformat()}|{r['subject_code']}",
                "district_code": r.get("district_code"),
                "industry_section": r.get("industry_section"),
                "size_class": r.get("size_class"),
                "matched_at": now,
            }
        )
    for chunk in _chunks(records, 5000):
        session.execute(insert(_table(PolicyMatch)), chunk)
    totals["eligible"] += sum(1 for r in records if r["eligible"])
    totals["written"] += len(records)
    known = [c for c in changed_codes if c in states]
    _save_states(session, kind=kind, hashes=hashes, changed=changed_codes, stale=[*known, *removed], day=day)
    if not restrict:
        _record_run(session, kind, digest, day)


def _table(model: type[PolicyMatch | ProfileState]) -> Table:
    """The model's table: bulk rows go through Core ``executemany``, without the ORM's per-row bookkeeping."""
    return cast("Table", model.__table__)


def _chunks(items: Sequence[_T], size: int) -> Iterable[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


RUN_KIND = "run"
"""``policies_profile_state`` rows with this subject kind record, per subject kind, the digest of the policy
versions the last run used and its date (so a changed version or date triggers a full re-evaluation)."""


def _versions_digest(versions: dict[str, int]) -> str:
    text = ";".join(f"{k}={v}" for k, v in sorted(versions.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _record_run(session: Session, kind: str, digest: str, day: dt.date) -> None:
    row = session.get(ProfileState, (RUN_KIND, kind))
    if row is None:
        session.add(ProfileState(subject_kind=RUN_KIND, subject_code=kind, profile_hash=digest, as_of=day))
    else:
        row.profile_hash = digest
        row.as_of = day
        row.updated_at = utcnow()


def _save_states(
    session: Session, *, kind: str, hashes: dict[str, str], changed: list[str], stale: list[str], day: dt.date
) -> None:
    """Record the hashes of the changed subjects; ``stale`` are the subjects with a state row to drop first."""
    now = utcnow()
    for chunk in _chunks(stale, 500):
        session.execute(
            delete(ProfileState).where(ProfileState.subject_kind == kind, ProfileState.subject_code.in_(chunk))
        )
    rows = [
        {"subject_kind": kind, "subject_code": c, "profile_hash": hashes[c], "as_of": day, "updated_at": now}
        for c in changed
    ]
    for batch in _chunks(rows, 5000):
        session.execute(insert(_table(ProfileState)), list(batch))


# --- reading results and explaining -----------------------------------------------------------------------


def _instalments(policy: Policy, due_mask: int, amounts: list[int] | None = None) -> list[InstalmentResult]:
    if policy.award.kind != "schedule":
        return []
    return [
        InstalmentResult(
            number=i + 1,
            year=inst.year,
            amount=amounts[i] if amounts else 0,
            due=bool(due_mask & (1 << i)),
            label=inst.label,
        )
        for i, inst in enumerate(policy.award.instalments)
    ]


def _stored_amounts(policy: Policy, row: PolicyMatch) -> list[int] | None:
    """Instalment amounts of a stored match (None when they cannot be told apart).

    The row keeps the award due in this evaluation (before budget scaling, like every instalment amount), which
    belongs to its one due instalment; without this the ledger would see a schedule's instalments as 0 yuan and pay
    nothing.
    """
    if policy.award.kind != "schedule":
        return None
    due = [i for i in range(len(policy.award.instalments)) if row.due_mask & (1 << i)]
    if len(due) != 1:
        return None
    return [row.award if i == due[0] else 0 for i in range(len(policy.award.instalments))]


def _result_from_row(row: PolicyMatch, version: PolicyVersion) -> MatchResult:
    policy = _parse(version.source)
    tops = matching.top_conditions(policy.eligibility)
    failing = [f"不符合：{c.label}" for i, c in enumerate(tops) if row.fail_mask & (1 << i)]
    if row.excluded_by:
        failing.append(f"不重复享受：已享受政策“{row.excluded_by}”")
    return MatchResult(
        policy_id=row.policy_id,
        policy_version=row.policy_version,
        policy_title=version.title,
        subject_kind=row.subject_kind,
        subject_code=row.subject_code,
        as_of=row.as_of,
        eligible=row.eligible,
        award=row.award,
        final_award=row.final_award,
        schedule_total=row.schedule_total,
        instalments=_instalments(policy, row.due_mask, _stored_amounts(policy, row)),
        excluded_by=row.excluded_by,
        failing=failing,
        mode=PolicyMode(version.mode),
        order_key=row.order_key,
        district_code=row.district_code,
        industry_section=row.industry_section,
        size_class=row.size_class,
        profile_hash=row.profile_hash,
        matched_at=as_utc(row.matched_at),
    )


def _judge_subject(
    session: Session, *, kind: SubjectKind, code: str, day: dt.date, rows: list[PolicyVersion]
) -> tuple[dict[str, object], dict[str, matching.Judgement], list[matching.Plan]]:
    profile = _one_profile(session, kind=kind, code=code, as_of=day)
    plans = [matching.plan(_parse(r.source)) for r in rows]
    judgements = {p.id: matching.judge(p, profile, as_of=day) for p in plans}
    matching.apply_exclusions(judgements, plans)
    return profile, judgements, plans


def _interpreted_result(
    row: PolicyVersion,
    judgement: matching.Judgement,
    *,
    kind: SubjectKind,
    code: str,
    day: dt.date,
    profile: dict[str, object],
) -> MatchResult:
    final = judgement.award
    if row.scale_factor is not None:
        final = int(judgement.award * row.scale_factor)
    failing = list(judgement.failing) if not judgement.eligible else []
    if judgement.excluded_by:
        failing.append(f"不重复享受：已享受政策“{judgement.excluded_by}”（金额更高或优先）")
    return MatchResult(
        policy_id=row.policy_id,
        policy_version=row.version,
        policy_title=row.title,
        subject_kind=kind,
        subject_code=code,
        as_of=day,
        eligible=judgement.eligible,
        award=judgement.award,
        final_award=final,
        schedule_total=judgement.total,
        instalments=judgement.instalments,
        excluded_by=judgement.excluded_by,
        failing=failing,
        trace=judgement.trace,
        mode=PolicyMode(row.mode),
        order_key=f"{day.isoformat()}|{code}",
        district_code=str(profile.get("district_code") or "") or None,
        industry_section=str(profile.get("industry_section") or "") or None,
        size_class=str(profile.get("size_class") or "") or None,
        profile_hash=str(profile.get("profile_hash", "")),
    )


def explain(
    session: Session, *, actor: Actor, policy_id: str, subject_code: str, as_of: dt.date | None = None
) -> Explanation:
    """Interpret the version in force for one subject: verdict, award, instalments and the full trace."""
    kind, code = _subject_kind(subject_code)
    day = as_of or city_today()
    in_force = _in_force_rows(session, on=day, kind=kind)
    target = [r for r in in_force if r.policy_id == policy_id]
    if not target:  # officers may explain a draft before publishing it
        draft = _version_row(session, actor=actor, policy_id=policy_id, version=None)
        if draft.subject_kind != kind:
            raise ValidationError("该政策的对象类型与主体不符", field="subject")
        target = [draft]
        in_force = [*in_force, draft]
    row = target[0]
    profile = _one_profile(session, kind=kind, code=code, as_of=day)
    access.authorize(
        actor, _subject_ref(kind, code, department=row.funding_department, district=profile.get("district_code"))
    )
    _, judgements, _ = _judge_subject(session, kind=kind, code=code, day=day, rows=in_force)
    result = _interpreted_result(row, judgements[row.policy_id], kind=kind, code=code, day=day, profile=profile)
    return Explanation(result=result, lines=_lines(row, result, profile))


def _lines(row: PolicyVersion, result: MatchResult, profile: dict[str, object]) -> list[str]:
    reference = row.document.get("legal_reference", {})
    lines = [
        f"政策：{row.title}（{row.policy_id} 第 {row.version} 版，{reference.get('document_number', '')}）",
        f"对象：{profile.get('name', '')}（{result.subject_code}），画像日期 {result.as_of.isoformat()}",
    ]
    if result.eligible:
        amount = format_value(result.final_award, "元")
        lines.append(f"结论：符合，本期可获 {amount}（{PolicyMode(row.mode).label}）")
    elif result.excluded_by:
        lines.append(f"结论：符合条件，但与政策“{result.excluded_by}”不重复享受，按规则不予兑现")
    else:
        lines.append("结论：不符合")
    lines.append("条件核验：")
    lines.extend("  " * (item.depth + 1) + item.text for item in result.trace)
    for instalment in result.instalments:
        state = "本期兑现" if instalment.due else (instalment.reason or "未到期")
        lines.append(f"  · {instalment.label}：{format_value(instalment.amount, '元')}（{state}）")
    return lines


def subject_matches(
    session: Session, *, actor: Actor, subject_code: str, eligible_only: bool = False, as_of: dt.date | None = None
) -> list[MatchResult]:
    """Return "my policies": every policy in force for the subject, matched or with the reasons why not."""
    kind, code = _subject_kind(subject_code)
    day = as_of or city_today()
    rows = _in_force_rows(session, on=day, kind=kind)
    profile = _one_profile(session, kind=kind, code=code, as_of=day)
    access.authorize(actor, _subject_ref(kind, code, department=None, district=profile.get("district_code")))
    stored = {
        m.policy_id: m
        for m in session.scalars(
            select(PolicyMatch).where(PolicyMatch.subject_kind == kind, PolicyMatch.subject_code == code)
        )
    }
    _, judgements, _ = _judge_subject(session, kind=kind, code=code, day=day, rows=rows)
    results: list[MatchResult] = []
    for row in rows:
        match = stored.get(row.policy_id)
        if match is not None and match.policy_version == row.version and match.profile_hash == profile["profile_hash"]:
            result = _result_from_row(match, row)
        else:
            result = _interpreted_result(row, judgements[row.policy_id], kind=kind, code=code, day=day, profile=profile)
        result.trace = []
        if result.eligible or not eligible_only:
            results.append(result)
    return results


def policy_matches(
    session: Session,
    *,
    actor: Actor,
    policy_id: str,
    eligible_only: bool = True,
    page: int = 1,
    page_size: int = 50,
) -> Page[MatchResult]:
    """Stored match results of one policy (officers of the funding department, leaders, admins)."""
    version = _version_row(session, actor=actor, policy_id=policy_id, version=None)
    access.authorize(actor, ResourceRef(kind=ResourceKind.POLICY_MATCH, owner_department=version.funding_department))
    query = select(PolicyMatch).where(PolicyMatch.policy_id == policy_id)
    if eligible_only:
        query = query.where(PolicyMatch.eligible.is_(True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    page_size = max(1, min(page_size, 500))
    rows = session.scalars(query.order_by(PolicyMatch.order_key).offset((page - 1) * page_size).limit(page_size))
    versions = {
        v.version: v for v in session.scalars(select(PolicyVersion).where(PolicyVersion.policy_id == policy_id))
    }
    items = [_result_from_row(m, versions.get(m.policy_version, version)) for m in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


def payable_matches(session: Session, *, policy_id: str) -> list[MatchResult]:
    """Eligible results with a positive final award in first-come order (for the grants ledger, a system job)."""
    versions = {
        v.version: v for v in session.scalars(select(PolicyVersion).where(PolicyVersion.policy_id == policy_id))
    }
    query = (
        select(PolicyMatch)
        .where(PolicyMatch.policy_id == policy_id, PolicyMatch.eligible.is_(True), PolicyMatch.final_award > 0)
        .order_by(PolicyMatch.order_key)
    )
    return [_result_from_row(m, versions[m.policy_version]) for m in session.scalars(query)]


# --- shipped policies ------------------------------------------------------------------------------------


def shipped_policy_files() -> list[Path]:
    """The policies shipped with the code (``policies/data/*.yaml``)."""
    return sorted(DATA_DIR.glob("*.yaml"))


def publish_shipped(
    session: Session, *, actor: Actor, over_budget_rule: BudgetRule = BudgetRule.PRO_RATA
) -> list[PolicyVersionRead]:
    """Save and publish each shipped policy whose text is not stored yet (idempotent).

    Over budget on the current data they are published with ``over_budget_rule`` (recorded with the version).
    """
    published: list[PolicyVersionRead] = []
    with shared_profiles():
        for path in shipped_policy_files():
            version = _publish_shipped_file(session, actor=actor, path=path, over_budget_rule=over_budget_rule)
            if version is not None:
                published.append(version)
    return published


def _publish_shipped_file(
    session: Session, *, actor: Actor, path: Path, over_budget_rule: BudgetRule
) -> PolicyVersionRead | None:
    source = path.read_text(encoding="utf-8")
    exists = session.scalar(select(PolicyVersion.id).where(PolicyVersion.source == source).limit(1))
    if exists is not None:
        return None
    draft = save_policy(session, actor=actor, source=source)
    try:
        return publish(session, actor=actor, policy_id=draft.policy_id, version=draft.version)
    except ValidationError:
        session.rollback()
        return publish(
            session,
            actor=actor,
            policy_id=draft.policy_id,
            version=draft.version,
            budget_rule=over_budget_rule,
            note="演示数据：超出预算，按所选预算规则发布",
        )

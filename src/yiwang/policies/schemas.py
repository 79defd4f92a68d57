"""Shapes of the 政策直达 context: policy documents, validation issues, profiles, match results, traces, simulations.

A policy is written as YAML (see ``docs/contexts/policies.md``); :class:`PolicyDocument` is its parsed form. The
expressions inside it (eligibility conditions, award amounts) stay strings here and are parsed by
``policies.language``. Money is whole yuan (``int``): awards are rounded down to the yuan.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SubjectKind = Literal["enterprise", "person"]
VariableType = Literal["number", "bool", "string", "date", "strings", "yearly", "monthly", "events"]


class PolicyMode(enum.StrEnum):
    """How a benefit reaches its subject."""

    AUTOMATIC = "automatic"  # 免申即享: paid without any action
    CONFIRM = "confirm"  # 即申即享: the subject confirms (bank account) and is paid
    APPLY = "apply"  # 快申快享: the subject applies, the department reviews

    @property
    def label(self) -> str:
        """The Chinese name."""
        return MODE_LABELS[self]


MODE_LABELS = {PolicyMode.AUTOMATIC: "免申即享", PolicyMode.CONFIRM: "即申即享", PolicyMode.APPLY: "快申快享"}


class BudgetRule(enum.StrEnum):
    """What happens when the simulated cost exceeds the budget (chosen by an officer when publishing)."""

    REFUSE = "refuse"  # default: publishing over budget is refused
    PRO_RATA = "pro_rata"  # every award scaled by budget / cost, rounded down to the yuan
    FIRST_COME = "first_come"  # awards paid in order of ``order_key`` until the budget is used up
    RAISE_BUDGET = "raise_budget"  # the budget is raised to the simulated cost (recorded with the version)

    @property
    def label(self) -> str:
        """The Chinese name."""
        return BUDGET_RULE_LABELS[self]


BUDGET_RULE_LABELS = {
    BudgetRule.REFUSE: "超预算不予发布",
    BudgetRule.PRO_RATA: "按比例核减",
    BudgetRule.FIRST_COME: "先到先得",
    BudgetRule.RAISE_BUDGET: "追加预算",
}


class VersionStatus(enum.StrEnum):
    """Life of one dated version of a policy."""

    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


# --- the policy document -------------------------------------------------------------------------------------


class LegalReference(BaseModel):
    """Where the policy comes from: 文号, issuer, clause and the public source."""

    model_config = ConfigDict(extra="forbid")

    document_number: str = Field(min_length=1)  # 文号, e.g. 成办发〔2023〕12号
    issuer: str = ""
    clause: str = ""
    source: str = Field(min_length=1)  # URL or bibliographic source of the public text


class Parameter(BaseModel):
    """A named number the what-if simulation may override (thresholds, amounts)."""

    model_config = ConfigDict(extra="forbid")

    value: float
    label: str = ""
    unit: str = ""


class Condition(BaseModel):
    """One node of the eligibility tree: a leaf ``when`` expression, or ``all``/``any``/``not`` over nodes."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    when: str | None = None
    label: str = ""  # Chinese label used in explanations
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")


class Tier(BaseModel):
    """One row of a tiered table: ``min`` ≤ value < ``max`` (``max`` absent: no upper bound)."""

    model_config = ConfigDict(extra="forbid")

    min: float | str | None = None
    max: float | str | None = None
    amount: float | str


class Award(BaseModel):
    """How much a subject receives; amounts, bases and caps are numbers or expressions."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["fixed", "tiered", "per_head", "ratio", "schedule"]
    label: str = ""
    amount: float | str | None = None  # fixed; per_head: per head
    by: str | None = None  # tiered: the expression the tiers look at
    tiers: list[Tier] | None = None
    count: str | None = None  # per_head: how many heads
    base: str | None = None  # ratio: the base amount
    rate: float | str | None = None  # ratio
    cap: float | str | None = None  # per_head / ratio: upper limit
    instalments: list[Instalment] | None = None  # schedule


class Instalment(BaseModel):
    """One payment of a multi-year schedule: year 1 is the year the subject qualifies."""

    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=1, le=10)
    award: Award
    when: str | None = None  # extra condition judged in that year (e.g. still above the threshold)
    label: str = ""


class PolicyDocument(BaseModel):
    """A policy as written by an officer (the YAML), version-independent of storage."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,63}$")
    title: str = Field(min_length=2, max_length=128)
    subject: SubjectKind
    summary: str = ""
    valid_from: dt.date
    valid_until: dt.date | None = None
    legal_reference: LegalReference
    funding_department: str
    budget: int = Field(ge=0)  # 元
    mode: PolicyMode = PolicyMode.AUTOMATIC
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    eligibility: Condition
    award: Award
    excludes: list[str] = Field(default_factory=list)
    priority: int = 100  # lower wins an exclusion when awards are equal


# --- validation ----------------------------------------------------------------------------------------------


class PolicyIssue(BaseModel):
    """One problem found when a policy is validated, pointing at its place in the YAML (1-based)."""

    line: int | None = None
    column: int | None = None
    path: str = ""  # e.g. eligibility.all[1].when
    message: str  # Chinese
    variable: str | None = None  # the unknown or mistyped variable, when there is one


class ValidationReport(BaseModel):
    """Outcome of validating a policy text."""

    ok: bool
    policy_id: str | None = None
    title: str | None = None
    issues: list[PolicyIssue] = Field(default_factory=list)
    variables: list[str] = Field(default_factory=list)  # profile variables the policy reads


# --- catalogue and profiles ----------------------------------------------------------------------------------


class VariableInfo(BaseModel):
    """One profile variable in the documented catalogue."""

    name: str
    label: str  # Chinese
    subject: SubjectKind
    type: VariableType
    unit: str = ""
    source_department: str  # department code (departments.yaml)
    computed: str  # how it is computed, in Chinese
    history: Literal["yearly", "none"] = "none"  # yearly: can be judged "k years ago" for multi-year schedules


class ProfileRead(BaseModel):
    """One subject's profile (画像) as of a date, with a hash of its values."""

    subject_kind: SubjectKind
    subject_code: str
    as_of: dt.date
    values: dict[str, object]
    profile_hash: str


# --- policies as stored --------------------------------------------------------------------------------------


class PolicyVersionRead(BaseModel):
    """One dated version of a policy."""

    policy_id: str
    version: int
    title: str
    subject: SubjectKind
    status: VersionStatus
    mode: PolicyMode
    valid_from: dt.date
    valid_until: dt.date | None
    funding_department: str
    budget: int
    budget_rule: BudgetRule
    effective_budget: int  # budget after a raise_budget rule
    scale_factor: float | None = None  # pro_rata: budget / cost at publication
    document_number: str
    source_url: str
    excludes: list[str]
    parameters: dict[str, float]
    source: str  # the YAML text
    created_at: dt.datetime
    created_by: str
    published_at: dt.datetime | None = None
    published_by: str | None = None
    simulated_cost: int | None = None
    simulated_beneficiaries: int | None = None


class PolicySummary(BaseModel):
    """A row of the policy list: the latest version of each policy."""

    policy_id: str
    title: str
    subject: SubjectKind
    mode: PolicyMode
    funding_department: str
    latest_version: int
    status: VersionStatus
    valid_from: dt.date
    valid_until: dt.date | None
    budget: int
    beneficiaries: int = 0  # eligible subjects in the latest match
    committed: int = 0  # awards of the latest match (after budget rule)


# --- matching ------------------------------------------------------------------------------------------------


class TraceItem(BaseModel):
    """One condition judged for one subject: the actual and the required values, and the verdict."""

    path: str  # e.g. eligibility.all[1]
    label: str
    expression: str
    passed: bool | None  # None: not judged (data missing)
    actual: str = ""
    required: str = ""
    text: str  # Chinese sentence, e.g. "不符合：近一年营业收入 1,850 万元，要求 ≥ 2,000 万元"
    depth: int = 0


class InstalmentResult(BaseModel):
    """One instalment of an award for one subject."""

    number: int
    year: int  # 1 = the year of qualification
    amount: int
    due: bool  # payable in this evaluation
    label: str = ""
    reason: str = ""  # why it is not due, in Chinese


class MatchResult(BaseModel):
    """One subject judged against one policy version."""

    policy_id: str
    policy_version: int
    policy_title: str = ""
    subject_kind: SubjectKind
    subject_code: str
    as_of: dt.date
    eligible: bool
    award: int  # payable now (sum of due instalments), before the budget rule
    final_award: int  # after the budget rule (pro rata); first-come is applied by the grants ledger
    schedule_total: int = 0  # whole multi-year schedule for a subject qualifying now
    instalments: list[InstalmentResult] = Field(default_factory=list)
    excluded_by: str | None = None
    failing: list[str] = Field(default_factory=list)  # Chinese texts of the failing conditions
    trace: list[TraceItem] = Field(default_factory=list)
    mode: PolicyMode = PolicyMode.AUTOMATIC
    order_key: str = ""  # first-come order (ascending)
    district_code: str | None = None
    industry_section: str | None = None
    size_class: str | None = None
    profile_hash: str = ""
    matched_at: dt.datetime | None = None


class Explanation(BaseModel):
    """The per-subject interpretation of a policy, for people (``yiwang policies explain``, "my policies")."""

    result: MatchResult
    lines: list[str]  # Chinese, ready to print


class MatchRunReport(BaseModel):
    """What one batch matching run did."""

    as_of: dt.date
    policies: int
    subjects: int
    evaluated: int  # (subject, policy) pairs evaluated
    reused: int  # pairs whose profile and version were unchanged
    eligible: int
    written: int
    seconds: float


# --- simulation ----------------------------------------------------------------------------------------------


class Bucket(BaseModel):
    """One row of a distribution."""

    key: str
    label: str
    count: int
    amount: int


class YearCost(BaseModel):
    """Projected cost of one year of a multi-year schedule (current cohort, conditions assumed to keep holding)."""

    year: int
    count: int
    amount: int


class SimulationReport(BaseModel):
    """Cost and reach of one policy version on the current profiles, optionally with what-if overrides."""

    policy_id: str
    policy_version: int
    title: str
    as_of: dt.date
    overrides: dict[str, float] = Field(default_factory=dict)
    subjects: int
    beneficiaries: int
    cost: int  # year-1 cost (payable now)
    multi_year_cost: int
    budget: int
    over_budget: bool
    by_district: list[Bucket]
    by_industry: list[Bucket]
    by_size: list[Bucket]
    by_year: list[YearCost]
    failing: list[Bucket]  # how many subjects fail each top-level condition
    scale_factor: float | None = None  # budget / cost when over budget
    first_come_funded: int | None = None  # beneficiaries funded in first-come order within the budget
    seconds: float


class PublishRequest(BaseModel):
    """An officer's decision when publishing a version."""

    budget_rule: BudgetRule = BudgetRule.REFUSE
    note: str = ""


class BudgetAllocation(BaseModel):
    """What the grants ledger needs to pay within budget: the rule, the budget, the factor."""

    policy_id: str
    policy_version: int
    budget_rule: BudgetRule
    budget: int
    effective_budget: int
    scale_factor: float | None
    mode: PolicyMode
    funding_department: str


Award.model_rebuild()
Condition.model_rebuild()

"""Pure rules of the grants ledger: states and transitions, modes, budget rules, idempotency keys, pro-rata.

A grant is one award to one subject for one instalment of one policy. Its life::

    matched ─(通知)→ notified ─(确认收款账户 / 申请)→ confirmed ─(审核)→ approved ─(纳入批次)→ in_batch
                                                                              │
                                         paid ←─(银行回单)───────────────────┤
                                         failed ─(重新支付)→ approved          │
    any state before in_batch ─(撤销)→ cancelled                                │

免申即享 grants whose payee account is already known skip notification and confirmation (``matched`` →
``approved``); without a known account they are notified and asked for one like 即申即享 grants.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")


class GrantState(enum.StrEnum):
    """Where a grant stands; stored as the value, shown with the label."""

    MATCHED = "matched"
    NOTIFIED = "notified"
    CONFIRMED = "confirmed"
    APPROVED = "approved"
    IN_BATCH = "in_batch"
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """Chinese name."""
        return STATE_LABELS[self]

    @property
    def tone(self) -> str:
        """Badge colour of the state on pages."""
        return STATE_TONES[self]


STATE_LABELS: dict[GrantState, str] = {
    GrantState.MATCHED: "已匹配",
    GrantState.NOTIFIED: "已通知待确认",
    GrantState.CONFIRMED: "已确认待审核",
    GrantState.APPROVED: "已审核待拨付",
    GrantState.IN_BATCH: "拨付中",
    GrantState.PAID: "已到账",
    GrantState.FAILED: "拨付失败",
    GrantState.CANCELLED: "已撤销",
}
STATE_TONES: dict[GrantState, str] = {
    GrantState.MATCHED: "info",
    GrantState.NOTIFIED: "warn",
    GrantState.CONFIRMED: "info",
    GrantState.APPROVED: "info",
    GrantState.IN_BATCH: "warn",
    GrantState.PAID: "ok",
    GrantState.FAILED: "danger",
    GrantState.CANCELLED: "muted",
}
PIPELINE = tuple(GrantState)
"""The states in pipeline order (board columns)."""

CANCELLABLE = frozenset({GrantState.MATCHED, GrantState.NOTIFIED, GrantState.CONFIRMED, GrantState.APPROVED})
"""States a grant may be cancelled from: nothing has been sent to the finance system yet (or it failed)."""

COMMITTED = frozenset({GrantState.APPROVED, GrantState.IN_BATCH, GrantState.PAID, GrantState.FAILED})
"""States whose amount is reserved against the policy's budget."""


class Mode(enum.StrEnum):
    """How a policy is delivered (兑现方式)."""

    AUTO = "automatic"  # 免申即享
    CONFIRM = "confirm"  # 即申即享
    APPLY = "apply"  # 快申快享

    @property
    def label(self) -> str:
        """Chinese name."""
        return MODE_LABELS[self]


MODE_LABELS: dict[Mode, str] = {Mode.AUTO: "免申即享", Mode.CONFIRM: "即申即享", Mode.APPLY: "快申快享"}

MODE_ALIASES: dict[str, Mode] = {
    "auto": Mode.AUTO,
    "automatic": Mode.AUTO,
    "免申即享": Mode.AUTO,
    "confirm": Mode.CONFIRM,
    "即申即享": Mode.CONFIRM,
    "apply": Mode.APPLY,
    "快申快享": Mode.APPLY,
}


def parse_mode(value: str) -> Mode:
    """A mode from its value, English alias or Chinese name; ``ValueError`` when unknown."""
    mode = MODE_ALIASES.get(str(value).strip().lower()) or MODE_ALIASES.get(str(value).strip())
    if mode is None:
        msg = f"未知的兑现方式：{value}（可选 免申即享 automatic / 即申即享 confirm / 快申快享 apply）"
        raise ValueError(msg)
    return mode


class BudgetRule(enum.StrEnum):
    """What happens when the matched awards exceed the published budget (chosen when publishing)."""

    WITHIN = "refuse"  # 预算内：no rule chosen (publishing over budget was refused), so the cost fits
    PRO_RATA = "pro_rata"  # 按比例核减：every award scaled by budget / cost
    FIRST_COME = "first_come"  # 先到先得：awards approved in order until the budget is spent
    RAISED = "raise_budget"  # 追加预算：the budget was raised to the cost

    @property
    def label(self) -> str:
        """Chinese name."""
        return RULE_LABELS[self]


RULE_LABELS: dict[BudgetRule, str] = {
    BudgetRule.WITHIN: "预算内",
    BudgetRule.PRO_RATA: "按比例核减",
    BudgetRule.FIRST_COME: "先到先得",
    BudgetRule.RAISED: "追加预算",
}


class SubjectKind(enum.StrEnum):
    """Who receives the award."""

    ENTERPRISE = "enterprise"
    PERSON = "person"


def grant_key(policy_id: str, policy_version: int, subject_code: str, instalment: int) -> str:
    """The idempotency key of a grant and of every payment instruction for it (policy+version+subject+instalment).

    Examples:
        >>> grant_key("cd-first-scale-up", 2, "91510100MA61R0XY1B", 1)
        'cd-first-scale-up:v2:91510100MA61R0XY1B:1'
    """
    return f"{policy_id}:v{policy_version}:{subject_code}:{instalment}"


def needs_confirmation(mode: Mode, *, has_account: bool) -> bool:
    """Whether the subject must be asked (bank account, or the application of 快申快享) before approval."""
    return mode is not Mode.AUTO or not has_account


def can_approve(state: GrantState, mode: Mode, *, has_account: bool) -> bool:
    """Whether a grant in ``state`` may be approved now."""
    if state is GrantState.CONFIRMED:
        return True
    return state is GrantState.MATCHED and mode is Mode.AUTO and has_account


def money(value: Decimal | float | str) -> Decimal:
    """A yuan amount rounded down to the fen (rounding down never pays beyond a budget)."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_DOWN)


def pro_rata_factor(budget: Decimal, cost: Decimal) -> Decimal:
    """The scaling factor for 按比例核减 (1 when the cost fits), six decimals, rounded down."""
    if cost <= 0 or cost <= budget:
        return Decimal(1)
    return (budget / cost).quantize(Decimal("0.000001"), rounding=ROUND_DOWN)


def scale_amounts(amounts: Sequence[Decimal], budget: Decimal) -> list[Decimal]:
    """Scale awards pro rata so that their sum never exceeds ``budget`` (each rounded down to the fen).

    Examples:
        >>> scale_amounts([Decimal("200000"), Decimal("100000")], Decimal("150000"))
        [Decimal('100000.00'), Decimal('50000.00')]
    """
    factor = pro_rata_factor(budget, sum(amounts, Decimal(0)))
    return [money(amount * factor) for amount in amounts]


@dataclass(frozen=True, slots=True)
class InstructionLine:
    """One payment instruction as the finance system receives it."""

    idempotency_key: str
    attempt: int
    payee_name: str
    payee_account: str
    payee_bank: str
    amount: Decimal
    policy_id: str
    purpose: str


def control_total(lines: Iterable[InstructionLine]) -> tuple[int, Decimal]:
    """Count and sum of the amounts of a batch (the file's 控制总数 / 控制总额)."""
    count, total = 0, Decimal(0)
    for line in lines:
        count += 1
        total += line.amount
    return count, money(total)


def checksum(lines: Iterable[InstructionLine]) -> str:
    """SHA-256 over the canonical text of every instruction, in order: the finance system recomputes it."""
    digest = hashlib.sha256()
    for line in lines:
        text = "|".join(
            (line.idempotency_key, str(line.attempt), line.payee_account, f"{line.amount:.2f}", line.policy_id)
        )
        digest.update(text.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()

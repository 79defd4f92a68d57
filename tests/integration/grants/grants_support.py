"""Helpers of the grants ledger tests: a policy's terms, its matches and the actors that handle them."""

from __future__ import annotations

from decimal import Decimal

from yiwang.grants.schemas import GrantMatch, PolicyTerms
from yiwang.kernel.actor import Actor
from yiwang.kernel.identifiers import uscc_check_char

ECON_STAFF = Actor(id="staff.econ", department="econ", role="department_staff", roles=frozenset({"department_staff"}))
TAX_STAFF = Actor(id="staff.tax", department="tax", role="department_staff", roles=frozenset({"department_staff"}))


def uscc(number: int) -> str:
    """A valid 统一社会信用代码 for test enterprise ``number``."""
    body = f"91510100MA{number:07d}"
    return body + uscc_check_char(body)


def agent_of(code: str) -> Actor:
    return Actor(
        id=f"agent.{code[-6:]}",
        department=None,
        role="enterprise_agent",
        roles=frozenset({"enterprise_agent"}),
        enterprise_uscc=code,
    )


def terms(*, budget: int = 1_000_000, rule: str = "refuse", policy_id: str = "cd-first-scale-up") -> PolicyTerms:
    return PolicyTerms(
        policy_id=policy_id,
        policy_version=1,
        policy_name="首次升规入统奖励",
        funding_department="econ",
        budget=Decimal(budget),
        rule=rule,
    )


def matches(
    count: int, *, amount: int = 200_000, mode: str = "automatic", with_account: bool = True
) -> list[GrantMatch]:
    return [
        GrantMatch(
            subject_kind="enterprise",
            subject_code=uscc(i),
            subject_name=f"成都测试企业{i}有限公司",
            instalment=1,
            award_year=2026,
            amount=Decimal(amount),
            mode=mode,
            district_code="510107" if i % 2 else "510104",
            industry="C",
            size_class="small",
            order_key=f"{i:06d}",
            payee_account=f"62220000000000{i:04d}" if with_account else None,
            payee_bank="中国工商银行成都分行" if with_account else None,
        )
        for i in range(1, count + 1)
    ]

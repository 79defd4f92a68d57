"""A stored schedule match carries its due instalment's amount, so the grants ledger pays it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from yiwang.policies import services
from yiwang.policies.services import DATA_DIR


def _policy(name: str) -> Any:
    return services._parse((DATA_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


def test_the_one_due_instalment_gets_the_stored_award() -> None:
    policy = _policy("cd-first-upscale-industry")
    row = SimpleNamespace(due_mask=0b010, award=100_000)
    amounts = services._stored_amounts(policy, row)
    assert amounts is not None
    assert amounts[1] == 100_000
    assert sum(amounts) == 100_000


def test_non_schedule_awards_have_no_instalments() -> None:
    policy = _policy("tj-high-tech-first-recognition")
    assert services._stored_amounts(policy, SimpleNamespace(due_mask=0, award=300_000)) is None

"""Actors and a fixed triager for the hotline core's tests (the real model is tested under ``triage/``)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from yiwang.hotline.triage.result import TriageResult
from yiwang.identity.scopes import process_roles
from yiwang.kernel.actor import Actor


def make_actor(username: str, role: str, department: str | None = None, **scope: str) -> Actor:
    """An actor as ``identity.services.to_actor`` builds it (with the process roles of its account role)."""
    return Actor(
        id=username,
        department=department,
        role=role,
        display_name=username,
        roles=frozenset({role, *process_roles(role, [], department)}),
        **scope,
    )


OPERATOR = make_actor("operator.12345", "hotline_operator", "cityops")
DISPATCHER = make_actor("dispatcher.12345", "dispatcher", "cityops")
URBAN = make_actor("staff.urban", "department_staff", "urban")
HOUSING = make_actor("staff.housing", "department_staff", "housing")
LEADER = make_actor("leader.city", "leader", None)
# A Monday morning in Chengdu (working day) so deadlines are easy to reason about.
MONDAY = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)


def fake_triager(
    *, category: str = "010201", department: str = "urban", confidence: float = 0.92, redirect: str | None = None
):
    """A triager that always answers the same (street light in 武侯区 玉林街道)."""

    def triage(session: Session, text: str, lon: float | None, lat: float | None, address: str | None) -> TriageResult:
        del session, lon, lat, address
        return TriageResult(
            type="投诉" if "不" in text else "咨询",
            category=category,
            category_path=("城乡建设与管理", "市政设施", "路灯照明"),
            department=department,
            also=(),
            district_code="510107",
            street_code="510107012",
            urgency="一般",
            redirect=redirect,
            redirect_reason="有人受伤需要急救" if redirect else None,
            confidence=confidence,
            needs_review=confidence < 0.6,
            model_version="test-1",
        )

    return triage


@pytest.fixture
def triager():
    return fake_triager()

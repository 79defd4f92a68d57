"""Actors of each role for the triage integration tests."""

from __future__ import annotations

from yiwang.kernel.actor import Actor

ADMIN = Actor(id="admin", department="cityops", role="platform_admin", roles=frozenset({"platform_admin"}))
OPERATOR = Actor(
    id="op-1",
    department="cityops",
    role="hotline_operator",
    roles=frozenset({"hotline_operator"}),
    display_name="话务员",
)
CITIZEN = Actor(id="citizen-1", department=None, role="citizen", roles=frozenset({"citizen"}))
POLICE_STAFF = Actor(id="police-1", department="police", role="department_staff", roles=frozenset({"department_staff"}))
HRSS_STAFF = Actor(id="hrss-1", department="hrss", role="department_staff", roles=frozenset({"department_staff"}))

"""The ``workflow`` benchmark: one action over HTTP among 100,000 cases, and one timer sweep over all of them.

Keys printed: ``transition_p95_ms`` (POST ``/api/workflow/instances/{id}/actions/sign`` — 签收, a state change
with its history row, timers and optimistic-lock check — on a database holding ``instances`` open appeals,
over real HTTP on loopback) and ``timer_sweep_s`` (one sweep firing the overdue timer of every one of those
cases: each escalates its case, writes a history row and schedules the next escalation).

The cases are bulk-inserted with Core statements (as a data migration would), dispatched to a department and
past their whole-process limit.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Connection, Table, select, text

from yiwang.bench.harness import bearer_token, live_server, percentile, scratch_database
from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.kernel.actor import SYSTEM_ACTOR
from yiwang.workflow import jobs, services
from yiwang.workflow.models import (
    WorkflowAssignment,
    WorkflowDefinition,
    WorkflowEvent,
    WorkflowInstance,
    WorkflowTimer,
)

CST = ZoneInfo("Asia/Shanghai")
CREATED = dt.datetime(2026, 9, 28, 10, 0, tzinfo=CST).astimezone(dt.UTC)
DUE = dt.datetime(2026, 10, 21, 17, 30, tzinfo=CST).astimezone(dt.UTC)
SWEEP_AT = dt.datetime(2026, 10, 22, 9, 0, tzinfo=CST).astimezone(dt.UTC)
UNITS = ("water", "urban", "housing", "market", "transport", "510104", "510105", "510106", "510107", "510108")
CHUNK = 5_000
WARM_UP = 20
"""Requests not measured: the first ones warm imports, caches and the connection pool."""


def run(
    settings: Settings,
    *,
    instances: int = 100_000,
    transitions: int = 300,
    batch_size: int = 500,
    seed: int = 20261128,
) -> dict[str, Any]:
    """Run on a scratch database of the configured backend; print nothing, return the result object."""
    with scratch_database(settings) as scratch:
        engine = make_engine(scratch.database_url)
        factory = make_session_factory(engine)
        with factory() as session:
            services.ensure_builtin_definitions(session, actor=SYSTEM_ACTOR)
            definition_id = session.scalar(select(WorkflowDefinition.id).where(WorkflowDefinition.key == "appeal"))
        started = time.perf_counter()
        with engine.begin() as connection:
            _bulk_insert(connection, definition_id=int(definition_id or 0), count=instances)
        insert_s = time.perf_counter() - started

        rng = random.Random(seed)
        sample = rng.sample(range(1, instances + 1), min(transitions + WARM_UP, instances))
        latencies: list[float] = []
        # A platform administrator may act on every unit's instances, so one token serves the random sample.
        token = bearer_token(scratch, username="bench.admin", role="platform_admin", department_code="cityops")
        headers = {"Authorization": f"Bearer {token}"}
        with live_server(scratch) as base, httpx.Client(base_url=base, timeout=30, headers=headers) as client:
            for position, instance_id in enumerate(sample):
                t0 = time.perf_counter()
                response = client.post(
                    f"/api/workflow/instances/{instance_id}/actions/sign", json={"expected_version": 1}
                )
                elapsed = (time.perf_counter() - t0) * 1000
                response.raise_for_status()
                if position >= WARM_UP:
                    latencies.append(elapsed)

        started = time.perf_counter()
        report = jobs.sweep_once(factory, now=SWEEP_AT, batch_size=batch_size)
        sweep_s = time.perf_counter() - started
        engine.dispose()
        if report.fired != instances:
            raise RuntimeError(f"定时任务扫描只触发了 {report.fired} / {instances} 个")

    backend = "postgresql" if settings.database_url.startswith("postgresql") else "sqlite"
    return {
        "area": "workflow",
        "database": backend,
        "instances": instances,
        "bulk_insert_s": round(insert_s, 2),
        "transitions": len(latencies),
        "transition_p50_ms": round(percentile(latencies, 50), 2),
        "transition_p95_ms": round(percentile(latencies, 95), 2),
        "timers_fired": report.fired,
        "timer_sweep_s": round(sweep_s, 2),
        "timer_sweep_per_s": round(report.fired / sweep_s, 1) if sweep_s else None,
    }


def _bulk_insert(connection: Connection, *, definition_id: int, count: int) -> None:
    """Insert ``count`` dispatched, overdue appeals with their assignment, history row and escalation timer."""
    instance_table: Table = WorkflowInstance.__table__  # type: ignore[assignment]
    assignment_table: Table = WorkflowAssignment.__table__  # type: ignore[assignment]
    event_table: Table = WorkflowEvent.__table__  # type: ignore[assignment]
    timer_table: Table = WorkflowTimer.__table__  # type: ignore[assignment]
    for first in range(1, count + 1, CHUNK):
        ids = range(first, min(first + CHUNK, count + 1))
        connection.execute(
            instance_table.insert(),
            [
                {
                    "id": i,
                    "definition_id": definition_id,
                    "definition_key": "appeal",
                    "definition_version": 1,
                    "subject_ref": f"appeal:{i}",
                    "title": f"基准诉求 {i}",
                    "state": "签收",
                    "status": "open",
                    "outcome": None,
                    "priority": int(i % 50 == 0),
                    "data": {},
                    "level": 0,
                    "supervised": False,
                    "supervisor_note": "",
                    "remind_count": 0,
                    "created_by": "bench",
                    "created_at": CREATED,
                    "updated_at": CREATED,
                    "state_entered_at": CREATED,
                    "due_at": DUE,
                    "state_due_at": None,
                    "closed_at": None,
                    "version": 1,
                }
                for i in ids
            ],
        )
        connection.execute(
            assignment_table.insert(),
            [
                {
                    "id": i,
                    "instance_id": i,
                    "branch_id": None,
                    "unit_code": UNITS[i % len(UNITS)],
                    "role": "主办",
                    "active": True,
                    "assigned_at": CREATED,
                    "assigned_by": "bench",
                    "signed_at": None,
                    "signed_by": None,
                    "ended_at": None,
                    "end_reason": None,
                }
                for i in ids
            ],
        )
        connection.execute(
            event_table.insert(),
            [
                {
                    "id": i,
                    "instance_id": i,
                    "branch_id": None,
                    "actor_id": "bench",
                    "actor_role": "dispatcher",
                    "actor_unit": "cityops",
                    "action": "dispatch",
                    "label": "派单",
                    "from_state": "派单",
                    "to_state": "签收",
                    "comment": "",
                    "reason": "",
                    "attachments": [],
                    "data": {},
                    "timer_id": None,
                    "at": CREATED,
                }
                for i in ids
            ],
        )
        connection.execute(
            timer_table.insert(),
            [
                {
                    "id": i,
                    "instance_id": i,
                    "branch_id": None,
                    "kind": "escalation",
                    "scope": "process",
                    "state": None,
                    "effect": "escalate",
                    "fire_at": DUE,
                    "fired_at": None,
                    "outcome": None,
                    "attempts": 0,
                    "last_error": "",
                    "locked_by": None,
                    "locked_until": None,
                    "created_at": CREATED,
                }
                for i in ids
            ],
        )
    if connection.dialect.name == "postgresql":
        # Explicit ids bypass the sequences; move them past the inserted rows for the ORM inserts that follow.
        for table in ("workflow_instance", "workflow_assignment", "workflow_event", "workflow_timer"):
            connection.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
            )

"""Workflow events that people must hear about, queued in the outbox inside the transaction that caused them.

催办 reaches the assigned units' shared inboxes; an escalation (超期督办) reaches the units and the city's
supervision desk; 办结 tells the person who submitted the case. Messages are queued with keys derived from the
event, so a retried transaction never queues a message twice, and a rolled-back change queues none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from yiwang.notify import services
from yiwang.workflow import events as wf_events
from yiwang.workflow import services as wf_services

SUPERVISION_DESK = "cityops"
"""The 督办 desk of the city operations centre receives every escalation."""

_CITY_TZ = ZoneInfo("Asia/Shanghai")
_SYSTEM_CREATORS = frozenset({"system", "console"})


def install() -> Callable[[], None]:
    """Subscribe the handlers (idempotent); returns a function that removes them."""
    removers = [
        wf_events.subscribe_in_transaction(wf_events.TaskReminded, on_reminded),
        wf_events.subscribe_in_transaction(wf_events.InstanceEscalated, on_escalated),
        wf_events.subscribe_in_transaction(wf_events.InstanceClosed, on_closed),
    ]

    def remove() -> None:
        for remover in removers:
            remover()

    return remove


def on_reminded(session: Session, event: wf_events.TaskReminded) -> None:
    """催办 → 办理时限提醒 to every urged unit."""
    brief = wf_services.instance_brief(session, instance_id=event.instance_id)
    for unit in event.units:
        _unit_notice(session, "deadline_reminder", brief, unit, key=f"remind:{_stamp(event.at)}")


def on_escalated(session: Session, event: wf_events.InstanceEscalated) -> None:
    """Overdue escalation → 超期督办通知 to the units concerned and the supervision desk."""
    brief = wf_services.instance_brief(session, instance_id=event.instance_id)
    units = dict.fromkeys([*event.units, *([brief.lead_unit] if brief.lead_unit else []), SUPERVISION_DESK])
    for unit in units:
        _unit_notice(session, "overdue_supervision", brief, unit, key=f"escalate:{event.level}:{_stamp(event.at)}")


def on_closed(session: Session, event: wf_events.InstanceClosed) -> None:
    """办结 → 办结通知 to the account that submitted the case (not for cases the system opened)."""
    brief = wf_services.instance_brief(session, instance_id=event.instance_id)
    if brief.created_by in _SYSTEM_CREATORS:
        return
    services.enqueue(
        session,
        template_key="completed",
        channel="inapp",
        recipient=brief.created_by,
        recipient_account_id=brief.created_by,
        variables={"service_name": brief.title, "case_no": brief.subject_ref, "result": event.outcome or event.state},
        idempotency_key=f"wf:{brief.instance_id}:closed",
        subject_ref=f"workflow:{brief.instance_id}",
        created_by="system",
    )


def _unit_notice(session: Session, template: str, brief: wf_services.InstanceBrief, unit: str, *, key: str) -> None:
    services.enqueue(
        session,
        template_key=template,
        channel="inapp",
        recipient=services.department_inbox(unit),
        variables={
            "unit_name": unit,
            "item": brief.title,
            "case_no": brief.subject_ref,
            "due_at": _format(brief.due_at),
        },
        idempotency_key=f"wf:{brief.instance_id}:{key}:{unit}",
        subject_ref=f"workflow:{brief.instance_id}",
        created_by="system",
    )


def _stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%f")


def _format(value: dt.datetime | None) -> str:
    if value is None:
        return "（未设时限）"
    return value.astimezone(_CITY_TZ).strftime("%Y年%m月%d日 %H:%M")

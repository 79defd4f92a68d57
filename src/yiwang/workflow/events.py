"""Domain events of the workflow engine and the subscriber registry that receives them after commit.

Services record events on the session (``record(session, event)``); once the transaction commits, every handler
subscribed to the event's type (or a base type) is called. A rolled-back transaction drops its events, so a
notification is never sent for a change that did not happen. Handler errors are logged and swallowed: the
change is already committed and one failing subscriber must not hide the event from the others.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from yiwang.logs import get_logger

_PENDING_KEY = "workflow_pending_events"
_log = get_logger("yiwang.workflow.events")


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Base of every workflow domain event."""

    instance_id: int
    definition_key: str
    subject_ref: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class InstanceStarted(DomainEvent):
    """A case entered the engine."""

    actor_id: str
    state: str


@dataclass(frozen=True, slots=True)
class ActionPerformed(DomainEvent):
    """Someone (or a timer) took an action."""

    actor_id: str
    action: str
    label: str
    from_state: str | None
    to_state: str | None
    branch_key: str | None = None
    comment: str = ""


@dataclass(frozen=True, slots=True)
class TaskDispatched(DomainEvent):
    """Units were charged with the case (派单/改派); notify them."""

    lead_unit: str
    assist_units: tuple[str, ...] = ()
    redispatch: bool = False


@dataclass(frozen=True, slots=True)
class TaskReturned(DomainEvent):
    """A unit handed the case back (退单); notify the dispatcher."""

    unit: str
    reason: str


@dataclass(frozen=True, slots=True)
class TaskReminded(DomainEvent):
    """催办: the assigned units are urged to act."""

    units: tuple[str, ...]
    note: str
    by_timer: bool = False


@dataclass(frozen=True, slots=True)
class InstanceSupervised(DomainEvent):
    """督办: a supervisor put the case under supervision."""

    supervisor_id: str
    note: str


@dataclass(frozen=True, slots=True)
class ExtensionRequested(DomainEvent):
    """A unit asked for more time."""

    extension_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class ExtensionDecided(DomainEvent):
    """An extension was approved or rejected."""

    extension_id: int
    approved: bool
    new_due_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class InstanceEscalated(DomainEvent):
    """The case is overdue (or escalated by hand): its level rose; notify the supervisor of that level."""

    level: int
    reason: str
    units: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DeadlinePassed(DomainEvent):
    """A time limit passed with no automatic effect configured beyond notification."""

    scope: str
    state: str | None
    units: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InstanceClosed(DomainEvent):
    """The case reached an end state."""

    outcome: str | None
    state: str
    automatic: bool = False


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[Any], None]

_handlers: dict[type[DomainEvent], list[Handler]] = defaultdict(list)
_lock = threading.Lock()


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> Callable[[], None]:
    """Call ``handler`` after commit for every event of ``event_type`` (subclasses included).

    Returns a function that removes the subscription (tests and reloads use it).
    """
    with _lock:
        _handlers[event_type].append(handler)

    def unsubscribe() -> None:
        with _lock:
            if handler in _handlers[event_type]:
                _handlers[event_type].remove(handler)

    return unsubscribe


def record(session: Session, item: DomainEvent) -> None:
    """Queue an event on the session; it is published if and when the transaction commits."""
    pending: list[DomainEvent] = session.info.setdefault(_PENDING_KEY, [])
    pending.append(item)


def pending(session: Session) -> list[DomainEvent]:
    """Events queued on the session and not yet published."""
    return list(session.info.get(_PENDING_KEY, []))


def publish(items: list[DomainEvent]) -> None:
    """Deliver events to their subscribers now (normally called by the after-commit hook)."""
    for item in items:
        with _lock:
            handlers = [h for event_type, hs in _handlers.items() if isinstance(item, event_type) for h in hs]
        for handler in handlers:
            try:
                handler(item)
            except Exception:  # noqa: BLE001 - one subscriber's failure must not stop the others
                _log.exception(
                    "workflow_event_handler_failed", event_type=type(item).__name__, instance=item.instance_id
                )


TxHandler = Callable[[Session, Any], None]
_tx_handlers: dict[type[DomainEvent], list[TxHandler]] = defaultdict(list)


def subscribe_in_transaction(event_type: type[E], handler: Callable[[Session, E], None]) -> Callable[[], None]:
    """Call ``handler(session, event)`` just before the transaction that recorded the event commits.

    For work that must commit with the change or not at all (queueing a notification in the outbox). Each call
    runs in a savepoint: a failing handler is logged and rolled back alone, never taking the change with it.
    Subscribing the same handler twice has no effect. Returns a function that removes the subscription.
    """
    with _lock:
        if handler not in _tx_handlers[event_type]:
            _tx_handlers[event_type].append(handler)

    def unsubscribe() -> None:
        with _lock:
            if handler in _tx_handlers[event_type]:
                _tx_handlers[event_type].remove(handler)

    return unsubscribe


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    items = session.info.get(_PENDING_KEY, [])
    if not items:
        return
    # Flush the change itself first, outside the handlers' savepoints: a lost race (StaleDataError) must fail the
    # commit, and be answered as a conflict, rather than be swallowed as a failing handler below.
    session.flush()
    done: set[int] = session.info.setdefault("workflow_tx_handled", set())
    for item in list(items):
        if id(item) in done:
            continue
        done.add(id(item))
        with _lock:
            handlers = [h for event_type, hs in _tx_handlers.items() if isinstance(item, event_type) for h in hs]
        for handler in handlers:
            try:
                with session.begin_nested():
                    handler(session, item)
            except Exception:  # noqa: BLE001 - a notification must never undo the change it reports
                _log.exception("workflow_tx_handler_failed", event_type=type(item).__name__, instance=item.instance_id)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop("workflow_tx_handled", None)
    items = session.info.pop(_PENDING_KEY, [])
    if items:
        publish(items)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous_transaction: Any) -> None:
    if session.in_transaction():
        return  # a savepoint rolled back; the outer transaction may still commit its events
    session.info.pop(_PENDING_KEY, None)
    session.info.pop("workflow_tx_handled", None)


@dataclass(slots=True)
class EventCollector:
    """A subscriber that keeps every event it receives (for tests and the CLI)."""

    events: list[DomainEvent] = field(default_factory=list)

    def __call__(self, item: DomainEvent) -> None:
        """Keep the event."""
        self.events.append(item)

    def of(self, event_type: type[E]) -> list[E]:
        """The received events of one type."""
        return [e for e in self.events if isinstance(e, event_type)]

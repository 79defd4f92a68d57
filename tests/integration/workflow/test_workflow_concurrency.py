"""Optimistic locking, definition versions and the hand-written migration."""

import copy
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from wf_helpers import DISPATCHER, MONDAY, OPERATOR, WATER, actor

from yiwang.db import Base, make_engine
from yiwang.kernel.errors import ConflictError
from yiwang.workflow import models as workflow_models
from yiwang.workflow import services
from yiwang.workflow.definitions import builtin_bodies
from yiwang.workflow.engine import ForbiddenError
from yiwang.workflow.models import WorkflowEvent

ADMIN = actor("admin-01", "platform")


def test_two_sessions_with_the_same_version_one_wins(wf_factory: sessionmaker[Session]) -> None:
    with wf_factory() as setup:
        started = services.start_instance(
            setup, actor=OPERATOR, definition_key="appeal", subject_ref="appeal:c1", now=MONDAY
        )
        accepted = services.perform_action(
            setup, actor=OPERATOR, instance_id=started.id, action="accept", expected_version=started.version, now=MONDAY
        )
    seen = accepted.instance.version
    first, second = wf_factory(), wf_factory()
    try:
        # Both load the case at the same version (as two people with the page open would).
        services.get_instance_view(first, actor=DISPATCHER, instance_id=started.id, now=MONDAY)
        services.get_instance_view(second, actor=DISPATCHER, instance_id=started.id, now=MONDAY)
        services.dispatch(
            first, actor=DISPATCHER, instance_id=started.id, expected_version=seen, lead_unit="water", now=MONDAY
        )
        with pytest.raises(ConflictError) as info:
            services.dispatch(
                second, actor=DISPATCHER, instance_id=started.id, expected_version=seen, lead_unit="urban", now=MONDAY
            )
        assert info.value.message == "该事项已被他人处理，请刷新后重试"
        assert info.value.status_code == 409
    finally:
        first.close()
        second.close()
    with wf_factory() as check:
        view = services.get_instance_view(check, actor=DISPATCHER, instance_id=started.id, now=MONDAY)
        assert view.instance.units == ["water"]
        assert [e.label for e in view.timeline] == ["登记", "受理", "派单"]


def test_racing_threads_one_wins_and_history_stays_intact(wf_factory: sessionmaker[Session]) -> None:
    with wf_factory() as setup:
        started = services.start_instance(
            setup, actor=OPERATOR, definition_key="appeal", subject_ref="appeal:c2", now=MONDAY
        )
        accepted = services.perform_action(
            setup, actor=OPERATOR, instance_id=started.id, action="accept", expected_version=started.version, now=MONDAY
        )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(unit: str) -> None:
        with wf_factory() as session:
            barrier.wait()
            try:
                services.dispatch(
                    session,
                    actor=DISPATCHER,
                    instance_id=started.id,
                    expected_version=accepted.instance.version,
                    lead_unit=unit,
                    now=MONDAY,
                )
                outcomes.append("ok")
            except ConflictError:
                outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=(unit,)) for unit in ("water", "urban")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    with wf_factory() as check:
        rows = check.scalars(select(WorkflowEvent.action).where(WorkflowEvent.instance_id == started.id)).all()
        assert rows == ["start", "accept", "dispatch"]


def test_running_instances_keep_their_definition_version(wf_session: Session) -> None:
    old = services.start_instance(
        wf_session, actor=OPERATOR, definition_key="appeal", subject_ref="appeal:v1", now=MONDAY
    )
    body = copy.deepcopy(builtin_bodies()["appeal"])
    body["states"]["受理"]["actions"][0]["label"] = "受理登记"
    body["states"]["派单"]["actions"].append(
        {
            "name": "close_as_invalid",
            "label": "无效诉求办结",
            "to": "办结",
            "roles": ["dispatcher"],
            "requires_reason": True,
        }
    )
    with pytest.raises(ForbiddenError):
        services.publish_definition(wf_session, actor=WATER, body=body)
    published = services.publish_definition(wf_session, actor=ADMIN, body=body)
    assert (published.version, published.created) == (2, True)
    again = services.publish_definition(wf_session, actor=ADMIN, body=body)
    assert (again.version, again.created) == (2, False)  # unchanged body: no new version
    new = services.start_instance(
        wf_session, actor=OPERATOR, definition_key="appeal", subject_ref="appeal:v2", now=MONDAY
    )
    assert (old.definition_version, new.definition_version) == (1, 2)
    old_view = services.perform_action(
        wf_session, actor=OPERATOR, instance_id=old.id, action="accept", expected_version=old.version, now=MONDAY
    )
    assert old_view.label == "受理"
    old_actions = services.get_instance_view(wf_session, actor=DISPATCHER, instance_id=old.id, now=MONDAY).actions
    assert "close_as_invalid" not in [a.name for a in old_actions]
    services.perform_action(
        wf_session, actor=OPERATOR, instance_id=new.id, action="accept", expected_version=new.version, now=MONDAY
    )
    new_actions = services.get_instance_view(wf_session, actor=DISPATCHER, instance_id=new.id, now=MONDAY).actions
    assert "close_as_invalid" in [a.name for a in new_actions]
    versions = [(d.key, d.version) for d in services.list_definitions(wf_session) if d.key == "appeal"]
    assert versions == [("appeal", 2), ("appeal", 1)]


def test_migration_0003_matches_the_models(wf_url: str) -> None:
    engine = make_engine(wf_url)
    workflow_tables = {t.name for t in Base.metadata.sorted_tables if t.name.startswith("workflow_")}
    assert len(workflow_tables) == 7
    assert all(Base.metadata.tables[name].info == workflow_models.HAND_MIGRATED for name in workflow_tables)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()

    def table_of(entry: object) -> str:
        item = entry[0] if isinstance(entry, list) else entry
        for part in item[1:] if isinstance(item, tuple) else ():
            name = getattr(part, "name", None) if not isinstance(part, str) else part
            table = getattr(part, "table", None)
            if table is not None:
                return str(table.name)
            if isinstance(name, str) and name.startswith("workflow_"):
                return name
        return ""

    assert [d for d in diff if table_of(d).startswith("workflow_")] == []


def test_a_race_lost_at_commit_is_a_conflict_even_with_transaction_handlers(
    wf_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer commits between our version check and our flush: the commit-time handlers (which run in
    savepoints) must not swallow the lost race; the caller gets 409."""
    from yiwang.workflow import events

    with wf_factory() as setup:
        started = services.start_instance(
            setup, actor=OPERATOR, definition_key="appeal", subject_ref="appeal:c9", now=MONDAY
        )
        accepted = services.perform_action(
            setup, actor=OPERATOR, instance_id=started.id, action="accept", expected_version=started.version, now=MONDAY
        )
    handled: list[str] = []
    remove = events.subscribe_in_transaction(events.ActionPerformed, lambda _s, e: handled.append(e.action))
    original = services._apply_action

    def racing_apply(ctx: object, chosen: object, inputs: object) -> None:
        with wf_factory() as other:  # the other dispatcher's change lands first
            row = other.get(workflow_models.WorkflowInstance, started.id)
            assert row is not None
            row.title = "已由他人处理"
            other.commit()
        original(ctx, chosen, inputs)  # type: ignore[arg-type]

    monkeypatch.setattr(services, "_apply_action", racing_apply)
    try:
        with wf_factory() as session, pytest.raises(ConflictError):
            services.dispatch(
                session,
                actor=DISPATCHER,
                instance_id=started.id,
                expected_version=accepted.instance.version,
                lead_unit="water",
                now=MONDAY,
            )
    finally:
        remove()
    assert handled == []

"""响应率 at frozen times: each dispatch against the sign-for limit on the working calendar, re-dispatch included."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from yiwang.hotline import kpis, routing, services
from yiwang.hotline.kpis import SignOutcome
from yiwang.hotline.models import Appeal
from yiwang.kernel.errors import ValidationError
from yiwang.workflow import events as wf_events
from yiwang.workflow.calendar import CITY_TZ, TimeLimit, TimeUnit, WorkCalendar
from yiwang.workflow.definitions import builtin_bodies, parse_definition

# Mon 30 Nov – Fri 4 Dec 2026 are working days; Tue 1 Dec is made a holiday and Sat 5 Dec a 调休 working day, so
# the limit has to skip the one and count the other. Working hours: 09:00–12:00 and 13:30–17:30.
CALENDAR = WorkCalendar(
    holidays=frozenset({dt.date(2026, 12, 1)}),
    workdays=frozenset({dt.date(2026, 12, 5)}),
    covered_years=frozenset({2026, 2027}),
)
ONE_DAY = TimeLimit(1, TimeUnit.WORKING_DAYS)


def _local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    month = 11 if day >= 30 else 12
    return dt.datetime(2026, month, day, hour, minute, tzinfo=CITY_TZ)


def _outcome(dispatched: dt.datetime, signed: dt.datetime | None, now: dt.datetime, **kw: TimeLimit) -> SignOutcome:
    return kpis.sign_outcome(dispatched, signed, limit=kw.get("limit", ONE_DAY), now=now, calendar=CALENDAR)


def test_one_working_day_skips_the_holiday_so_wednesday_is_still_on_time() -> None:
    monday = _local(30, 10)
    # Due at the end of the next working day: Wednesday 17:30 (Tuesday is a holiday).
    assert _outcome(monday, _local(2, 17, 30), now=_local(4, 9)) is SignOutcome.ON_TIME
    assert _outcome(monday, _local(2, 17, 31), now=_local(4, 9)) is SignOutcome.LATE
    assert _outcome(monday, None, now=_local(2, 17, 30)) is SignOutcome.PENDING
    assert _outcome(monday, None, now=_local(2, 17, 31)) is SignOutcome.OVERDUE


def test_the_day_of_dispatch_is_not_counted_and_a_working_saturday_is() -> None:
    friday_evening = _local(4, 20)
    # Saturday 5 Dec is a 调休 working day: the limit ends there, not on Monday.
    assert _outcome(friday_evening, None, now=_local(5, 17, 0)) is SignOutcome.PENDING
    assert _outcome(friday_evening, None, now=_local(6, 9, 0)) is SignOutcome.OVERDUE
    assert _outcome(friday_evening, _local(5, 11), now=_local(7, 9)) is SignOutcome.ON_TIME


def test_working_hours_limits_count_only_office_hours() -> None:
    four_hours = TimeLimit(4, TimeUnit.WORKING_HOURS)
    friday = _local(4, 16, 30)  # 1 hour left on Friday, then Saturday 09:00–12:00 gives the other 3
    assert _outcome(friday, _local(5, 12), now=_local(7, 9), limit=four_hours) is SignOutcome.ON_TIME
    assert _outcome(friday, _local(5, 13, 31), now=_local(7, 9), limit=four_hours) is SignOutcome.LATE


def test_stored_times_without_zone_are_read_as_utc() -> None:
    # SQLite hands back naive datetimes; they are UTC like everything the platform stores.
    monday_utc = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC).replace(tzinfo=None)  # 10:00 in Chengdu
    signed_utc = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.UTC).replace(tzinfo=None)  # 17:30: exactly at the limit
    assert _outcome(monday_utc, signed_utc, now=_local(4, 9)) is SignOutcome.ON_TIME


def _event(kind: type[wf_events.DomainEvent], at: dt.datetime, **fields: object) -> wf_events.DomainEvent:
    base = {"instance_id": 1, "definition_key": "appeal", "subject_ref": "appeal:12345-20261130-000001", "at": at}
    return kind(**base, **fields)


def _performed(action: str, at: dt.datetime) -> wf_events.DomainEvent:
    return _event(
        wf_events.ActionPerformed, at, actor_id="staff", action=action, label=action, from_state=None, to_state=None
    )


def _judge(appeal: Appeal, now: dt.datetime) -> SignOutcome:
    assert appeal.dispatched_at is not None
    return kpis.sign_outcome(appeal.dispatched_at, appeal.signed_at, limit=ONE_DAY, now=now, calendar=CALENDAR)


def test_redispatch_after_a_return_restarts_the_clock_and_clears_the_late_signing() -> None:
    appeal = Appeal()
    record = services._record_response_times  # the rule the engine's events feed
    record(appeal, _event(wf_events.TaskDispatched, _local(30, 10), lead_unit="urban"))
    record(appeal, _performed("sign", _local(3, 9)))  # Thursday: after Wednesday 17:30
    assert _judge(appeal, now=_local(3, 9)) is SignOutcome.LATE
    # 退单 leaves the times alone; the case is out of 响应率 until it is dispatched again.
    record(appeal, _performed("return", _local(3, 10)))
    assert appeal.signed_at == _local(3, 9)
    record(appeal, _event(wf_events.TaskDispatched, _local(3, 11), lead_unit="housing", redispatch=True))
    assert (appeal.dispatched_at, appeal.signed_at) == (_local(3, 11), None)
    assert _judge(appeal, now=_local(4, 9)) is SignOutcome.PENDING
    record(appeal, _performed("sign", _local(4, 15)))  # the new unit signs on Friday, within its own day
    assert _judge(appeal, now=_local(7, 9)) is SignOutcome.ON_TIME
    record(appeal, _performed("reply", _local(4, 16)))  # other actions leave the times alone
    assert appeal.signed_at == _local(4, 15)


def test_a_row_is_counted_from_its_sign_outcomes_and_the_untimed_rows_by_the_earlier_rule() -> None:
    # SQL counts: 5 dispatched; of the 2 without a dispatch time, 1 signed. Timed: 1 on time, 1 late, 1 pending.
    values = [9, 0, 0, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]
    signing = Counter({SignOutcome.ON_TIME: 1, SignOutcome.LATE: 1, SignOutcome.PENDING: 1})
    row = kpis._row("urban", "城管", values, signing)
    assert (row.dispatched, row.responded, row.response_due, row.unsigned_overdue) == (5, 2, 4, 0)
    assert row.response_rate == 0.5
    overdue = kpis._row("urban", "城管", [1, 0, 0, 1, *[0] * 10, 0], Counter({SignOutcome.OVERDUE: 1}))
    assert (overdue.responded, overdue.response_due, overdue.unsigned_overdue, overdue.response_rate) == (0, 1, 1, 0.0)
    waiting = kpis._row("urban", "城管", [1, 0, 0, 1, *[0] * 10, 0], Counter({SignOutcome.PENDING: 1}))
    assert waiting.response_rate is None  # nothing was due to be signed yet


def test_the_sign_limit_is_configured_with_the_other_limits() -> None:
    assert routing.load_time_limits().sign_within == ONE_DAY
    body = {
        "return_within": {"amount": 2, "unit": "working_days"},
        "max_extension": {"amount": 10, "unit": "working_days"},
        "supervise_after": {"amount": 2, "unit": "working_days"},
    }
    assert routing.parse_time_limits(body).sign_within == routing.DEFAULT_SIGN_WITHIN
    hours = routing.parse_time_limits({**body, "sign_within": {"amount": 4, "unit": "working_hours"}})
    assert hours.sign_within == TimeLimit(4, TimeUnit.WORKING_HOURS)
    with pytest.raises(ValidationError) as caught:
        routing.parse_time_limits({**body, "sign_within": {"amount": 1, "unit": "fortnights"}})
    assert caught.value.field == "sign_within"


def test_the_shipped_sign_limit_is_the_engines_sign_state_limit() -> None:
    # The engine escalates an unsigned appeal when its 签收 state limit passes; 响应率 must judge by the same moment.
    definition = parse_definition(builtin_bodies()["appeal"])
    assert definition.state("签收").time_limit == routing.load_time_limits().sign_within

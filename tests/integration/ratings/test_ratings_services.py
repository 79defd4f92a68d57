"""好差评 services: rectification deadlines in working days, callbacks, appeals, permissions, revisions."""

from __future__ import annotations

import datetime as dt

import pytest
from ratings_support import (
    CITIZEN,
    CITIZEN_2,
    CITY_TZ,
    MARKET_STAFF,
    OPERATOR,
    REVIEWER,
    TAX_STAFF,
    local,
    rate,
)
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from yiwang.identity.errors import PermissionDeniedError
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError
from yiwang.notify.models import OutboxMessage
from yiwang.ratings import services
from yiwang.ratings.models import Rectification
from yiwang.registry import services as registry_services
from yiwang.workflow import calendar as workflow_calendar


def _outbox(session: Session, template_key: str) -> list[OutboxMessage]:
    session.expire_all()
    return list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.template_key == template_key).order_by(OutboxMessage.id)
        )
    )


def test_bad_rating_opens_a_rectification_due_in_15_working_days_across_spring_festival(session: Session) -> None:
    # 2026 春节: 2月15日–23日放假，2月14日（周六）和2月28日（周六）调休上班.
    rating = rate(session, level=2, comment="窗口人员态度冷淡，材料被退回两次", now=local(2026, 2, 5))
    rectification = rating.rectification
    assert rectification is not None
    assert rectification.status == "open"
    assert rectification.due_at is not None
    assert rectification.due_at.astimezone(CITY_TZ) == local(2026, 3, 4, 17, 30)
    # Counting weekends only (no holidays, no 调休) would have given 2月26日.
    notices = _outbox(session, "bad_rating_rectification")
    assert [(row.channel, row.recipient, row.subject_ref) for row in notices] == [
        ("inapp", "dept:market", f"rating:{rating.id}")
    ]
    assert "2026年3月4日 17:30" in notices[0].body
    assert "窗口人员态度冷淡" in notices[0].body


def test_due_date_across_national_day(session: Session) -> None:
    # 2026 国庆: 10月1日–7日放假，10月10日（周六）调休上班.
    rating = rate(session, level=1, now=local(2026, 9, 25, 16))
    assert rating.rectification is not None
    assert rating.rectification.due_at is not None
    assert rating.rectification.due_at.astimezone(CITY_TZ) == local(2026, 10, 22, 17, 30)


def test_good_and_middling_ratings_open_nothing(session: Session) -> None:
    assert rate(session, level=5).rectification is None
    assert rate(session, CITIZEN_2, level=3).rectification is None
    assert _outbox(session, "bad_rating_rectification") == []


def test_indicators_are_checked_per_channel(session: Session) -> None:
    online = rate(session, level=4, indicators={"efficiency": 5, "usability": 3})
    assert online.indicators == {"efficiency": 5, "usability": 3}
    assert online.indicator_labels["usability"] == "平台操作性"
    with pytest.raises(ValidationError) as error:
        rate(session, CITIZEN_2, level=4, channel="offline", indicators={"usability": 3})
    assert error.value.field == "indicators.usability"
    assert error.value.message.startswith("线下评价没有指标 usability")
    with pytest.raises(ValidationError, match="评价等级应为 1–5"):
        rate(session, CITIZEN_2, level=4, channel="offline", indicators={"attitude": 9})
    with pytest.raises(ValidationError, match="评价对象应为"):
        rate(session, CITIZEN_2, subject="workflow 1")
    with pytest.raises(ValidationError, match="评价渠道应为"):
        rate(session, CITIZEN_2, channel="fax")


def test_one_rating_per_rater_with_one_revision_inside_24_hours(session: Session) -> None:
    first = rate(session, level=2, now=local(2026, 3, 2, 10))
    assert first.rectification is not None
    revised = rate(session, level=4, now=local(2026, 3, 2, 18))
    assert (revised.id, revised.level, revised.revisions) == (first.id, 4, 1)
    assert revised.rectification is not None
    assert (revised.rectification.status, revised.rectification.resolution) == ("closed", "rating_revised")
    with pytest.raises(ConflictError, match="24 小时内可修改一次"):
        rate(session, level=1, now=local(2026, 3, 2, 19))
    # A different rater rates the same instance independently.
    assert rate(session, CITIZEN_2, level=5).id != first.id


def test_no_revision_after_24_hours_or_once_the_unit_responded(session: Session) -> None:
    rate(session, level=5, now=local(2026, 3, 2, 10))
    with pytest.raises(ConflictError, match="您已评价过该事项"):
        rate(session, level=4, now=local(2026, 3, 3, 10, 1))
    bad = rate(session, CITIZEN_2, level=1, now=local(2026, 3, 2, 10))
    assert bad.rectification is not None
    services.respond_rectification(
        session,
        actor=MARKET_STAFF,
        rectification_id=bad.rectification.id,
        response="已约谈窗口人员",
        now=local(2026, 3, 2, 11),
    )
    with pytest.raises(ConflictError, match="不能再修改"):
        rate(session, CITIZEN_2, level=5, now=local(2026, 3, 2, 12))


def test_response_callback_satisfied_closes(session: Session) -> None:
    rating = rate(session, level=2, now=local(2026, 2, 5))
    assert rating.rectification is not None
    rid = rating.rectification.id
    responded = services.respond_rectification(
        session,
        actor=MARKET_STAFF,
        rectification_id=rid,
        response="已补充一次性告知单",
        kind="immediate",
        now=local(2026, 2, 10),
    )
    assert (responded.status, responded.on_time, responded.response_kind_label) == ("rectified", True, "立行立改")
    reminders = _outbox(session, "callback_reminder")
    assert [(row.recipient, row.channel) for row in reminders] == [(CITIZEN.id, "inapp")]
    with pytest.raises(ConflictError, match="不能再次反馈"):
        services.respond_rectification(session, actor=MARKET_STAFF, rectification_id=rid, response="again")

    closed = services.record_callback(
        session,
        actor=OPERATOR,
        rectification_id=rid,
        satisfaction=4,
        method="phone",
        note="认可整改",
        now=local(2026, 2, 11),
    )
    assert (closed.status, closed.resolution_label) == ("closed", "回访满意")
    assert [(c.round, c.method_label, c.satisfaction_label) for c in closed.callbacks] == [(1, "电话回访", "满意")]
    with pytest.raises(ConflictError, match="该整改已办结"):
        services.record_callback(session, actor=OPERATOR, rectification_id=rid, satisfaction=5)


def test_unsatisfied_callback_reopens_without_moving_the_deadline(session: Session) -> None:
    rating = rate(session, level=1, now=local(2026, 2, 5))
    assert rating.rectification is not None
    rid, due = rating.rectification.id, rating.rectification.due_at
    with pytest.raises(ConflictError, match="尚未反馈整改情况"):
        services.record_callback(session, actor=OPERATOR, rectification_id=rid, satisfaction=4)
    services.respond_rectification(
        session, actor=MARKET_STAFF, rectification_id=rid, response="解释政策", kind="explained"
    )
    reopened = services.record_callback(session, actor=CITIZEN, rectification_id=rid, satisfaction=2, method="phone")
    assert (reopened.status, reopened.rounds, reopened.rectified_at, reopened.on_time) == ("open", 2, None, None)
    assert reopened.due_at == due
    assert reopened.callbacks[0].method == "online"  # the rater answered for themself
    late = services.respond_rectification(
        session,
        actor=MARKET_STAFF,
        rectification_id=rid,
        response="已上门办理",
        kind="scheduled",
        now=local(2026, 3, 5),
    )
    assert (late.status, late.on_time) == ("rectified", False)
    assert len(_outbox(session, "callback_reminder")) == 2  # one per round


def test_who_may_see_and_act(session: Session) -> None:
    rating = rate(session, level=2)
    assert rating.rectification is not None
    rid = rating.rectification.id
    with pytest.raises(NotFoundError):
        services.get_rating(session, actor=TAX_STAFF, rating_id=rating.id)
    with pytest.raises(NotFoundError):
        services.respond_rectification(session, actor=TAX_STAFF, rectification_id=rid, response="x")
    with pytest.raises(NotFoundError):
        services.get_rating(session, actor=CITIZEN_2, rating_id=rating.id)
    with pytest.raises(PermissionDeniedError, match="只有被评价部门"):
        services.respond_rectification(session, actor=CITIZEN, rectification_id=rid, response="x")
    assert services.get_rating(session, actor=CITIZEN, rating_id=rating.id).id == rating.id
    assert services.list_rectifications(session, actor=TAX_STAFF).total == 0
    assert services.list_rectifications(session, actor=MARKET_STAFF).total == 1
    assert services.list_rectifications(session, actor=OPERATOR).total == 1
    assert services.list_ratings(session, actor=CITIZEN_2).total == 0
    assert services.list_ratings(session, actor=CITIZEN).total == 1
    services.respond_rectification(session, actor=MARKET_STAFF, rectification_id=rid, response="已整改")
    with pytest.raises(PermissionDeniedError, match="登记回访"):
        services.record_callback(session, actor=MARKET_STAFF, rectification_id=rid, satisfaction=5)


def test_appeal_accepted_excludes_the_rating_but_keeps_it(session: Session) -> None:
    rating = rate(session, level=1, comment="没给我开后门", now=local(2026, 3, 2))
    rate(session, CITIZEN_2, subject="workflow:2", level=5, now=local(2026, 3, 2))
    before = services.statistics(session)
    assert (before.total.count, before.total.bad) == (2, 1)

    with pytest.raises(PermissionDeniedError, match="只有被评价部门"):
        services.file_appeal(session, actor=CITIZEN, rating_id=rating.id, reason="x")
    appeal = services.file_appeal(
        session,
        actor=MARKET_STAFF,
        rating_id=rating.id,
        reason="评价人要求违规办理，属不实差评",
        evidence=["窗口录像-20260302.mp4", " ", "https://example.invalid/record/1"],
    )
    assert appeal.status_label == "待复核"
    assert appeal.evidence == ["窗口录像-20260302.mp4", "https://example.invalid/record/1"]
    with pytest.raises(ConflictError, match="只能申诉一次"):
        services.file_appeal(session, actor=MARKET_STAFF, rating_id=rating.id, reason="again")
    with pytest.raises(PermissionDeniedError, match="平台复核人员"):
        services.decide_appeal(session, actor=MARKET_STAFF, appeal_id=appeal.id, accept=True)

    decided = services.decide_appeal(session, actor=REVIEWER, appeal_id=appeal.id, accept=True, note="录像证实")
    assert (decided.status, decided.reviewed_by) == ("accepted", REVIEWER.id)
    with pytest.raises(ConflictError, match="已复核"):
        services.decide_appeal(session, actor=REVIEWER, appeal_id=appeal.id, accept=False, note="x")

    kept = services.get_rating(session, actor=REVIEWER, rating_id=rating.id)
    assert kept.excluded is True
    assert kept.rectification is not None
    assert (kept.rectification.status, kept.rectification.resolution) == ("closed", "appeal_accepted")
    after = services.statistics(session)
    assert (after.total.count, after.total.bad, after.total.excluded) == (1, 0, 1)
    assert after.total.good_rate == 1.0
    notices = _outbox(session, "rating_appeal_decided")
    assert [row.recipient for row in notices] == ["dept:market"]


def test_rejected_appeal_needs_a_reason_and_rectification_continues(session: Session) -> None:
    rating = rate(session, level=2)
    appeal = services.file_appeal(session, actor=MARKET_STAFF, rating_id=rating.id, reason="误评")
    with pytest.raises(ValidationError, match="驳回申诉须说明理由"):
        services.decide_appeal(session, actor=REVIEWER, appeal_id=appeal.id, accept=False)
    session.rollback()
    rejected = services.decide_appeal(session, actor=REVIEWER, appeal_id=appeal.id, accept=False, note="证据不足")
    assert rejected.status_label == "申诉不成立"
    assert services.get_rating(session, actor=REVIEWER, rating_id=rating.id).rectification.status == "open"  # type: ignore[union-attr]
    good = rate(session, CITIZEN_2, subject="workflow:9", level=5)
    with pytest.raises(ValidationError, match="只能对差评"):
        services.file_appeal(session, actor=MARKET_STAFF, rating_id=good.id, reason="x")


def test_overdue_rectifications_are_supervised_once(session: Session) -> None:
    late = rate(session, level=2, now=local(2026, 2, 5))
    done = rate(session, CITIZEN_2, level=2, now=local(2026, 2, 5))
    assert done.rectification is not None
    services.respond_rectification(
        session, actor=MARKET_STAFF, rectification_id=done.rectification.id, response="已整改"
    )
    assert services.flag_overdue_rectifications(session, now=local(2026, 3, 4, 17)) == 0
    assert services.flag_overdue_rectifications(session, now=local(2026, 3, 5, 9)) == 1
    assert services.flag_overdue_rectifications(session, now=local(2026, 3, 6, 9)) == 0
    notices = _outbox(session, "overdue_supervision")
    assert [(row.recipient, row.subject_ref) for row in notices] == [("dept:market", f"rating:{late.id}")]
    assert "差评整改" in notices[0].title
    page = services.list_rectifications(session, actor=REVIEWER, overdue_only=True, now=local(2026, 3, 5, 9))
    assert [item.rating_id for item in page.items] == [late.id]
    assert page.overdue == 1
    assert page.items[0].overdue is True


def test_deadline_waits_for_the_calendar_and_is_filled_in_later(session: Session) -> None:
    rating = rate(session, level=2, now=local(2031, 6, 3))  # beyond the published holiday arrangements
    assert rating.rectification is not None
    assert rating.rectification.due_at is None
    published = workflow_calendar.build_calendar({"years": {2031: {"holidays": ["2031-06-05"], "workdays": []}}})
    assert services.flag_overdue_rectifications(session, now=local(2031, 6, 4), calendar=published) == 0
    filled = services.get_rating(session, actor=REVIEWER, rating_id=rating.id).rectification
    assert filled is not None
    assert filled.due_at is not None
    # 6月3日 + 15 working days, skipping the weekends and the 6月5日 holiday → 6月25日.
    assert filled.due_at.astimezone(CITY_TZ) == local(2031, 6, 25, 17, 30)


def test_department_codes_are_checked_against_the_directory(session: Session) -> None:
    registry_services.load_departments(session)
    with pytest.raises(ValidationError) as error:
        rate(session, department="nosuchdept")
    assert error.value.field == "department_code"
    rating = rate(session, level=2)
    assert rating.department_name == "市市场监管局"
    notices = _outbox(session, "bad_rating_rectification")
    assert notices[0].body.startswith("收到“不满意”评价")
    assert "市市场监管局" in notices[0].variables["department_name"]


def test_invitation_links_to_the_form(session: Session) -> None:
    outbox_id = services.invite_rating(
        session,
        subject_ref="workflow:77",
        service_name="食品经营许可",
        case_no="SL2026-77",
        department_code="market",
        unit_code="market.jinjiang",
        recipient_account_id=CITIZEN.id,
    )
    session.commit()
    row = session.get(OutboxMessage, outbox_id)
    assert row is not None
    assert row.template_key == "rating_invitation"
    assert "/ratings/new?subject=workflow%3A77&department=market&unit=market.jinjiang" in row.body


def test_rectification_due_helper_matches_the_calendar() -> None:
    due = services.rectification_due(dt.datetime(2026, 2, 5, 2, 0, tzinfo=dt.UTC))
    assert due.astimezone(CITY_TZ) == local(2026, 3, 4, 17, 30)


def test_concurrent_handling_of_one_rectification_lets_one_win(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    rating = rate(session, level=2)
    assert rating.rectification is not None
    rid = rating.rectification.id
    with session_factory() as first, session_factory() as second:
        second.get(Rectification, rid)  # the second clerk opened the page before the first one submitted
        services.respond_rectification(first, actor=MARKET_STAFF, rectification_id=rid, response="第一位经办人的整改")
        with pytest.raises(ConflictError):
            services.respond_rectification(
                second, actor=MARKET_STAFF, rectification_id=rid, response="第二位经办人的整改"
            )
    stored = services.get_rating(session, actor=REVIEWER, rating_id=rating.id).rectification
    assert stored is not None
    assert (stored.status, stored.response) == ("rectified", "第一位经办人的整改")

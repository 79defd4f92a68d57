"""The hotline core on the workflow engine: intake, routing, 签收/退单/改派, reply, callback, merge, redirect."""

from __future__ import annotations

import datetime as dt

import pytest
from hotline_fixtures import DISPATCHER, HOUSING, MONDAY, OPERATOR, URBAN, fake_triager
from sqlalchemy import select
from sqlalchemy.orm import Session

from yiwang.hotline import services
from yiwang.hotline.schemas import AppealCreate, AppealFilter
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError
from yiwang.notify.models import OutboxMessage as Outbox
from yiwang.ratings import services as ratings_services

CALL = AppealCreate(
    channel="phone",
    content="玉林北路12号门口的路灯不亮已经一个星期了，晚上很黑",
    cause="路灯损坏",
    reporter_name="张三丰",
    reporter_phone="13800138000",
    address="武侯区玉林北路12号",
    lon=104.05,
    lat=30.63,
    idempotency_key="call-0001",
)


def _at(hours: float) -> dt.datetime:
    return MONDAY + dt.timedelta(hours=hours)


def test_call_is_triaged_routed_and_dispatched_at_once(session: Session) -> None:
    appeal = services.create_appeal(session, actor=OPERATOR, data=CALL, triager=fake_triager(), now=MONDAY)
    assert appeal.number.startswith("12345-20261130-")
    assert (appeal.category, appeal.district_code, appeal.street_code) == ("010201", "510107", "510107012")
    # 市容/市政 in a known street: the street office leads, the city administration assists (catalogue rule).
    assert appeal.department == "510107012"
    assert appeal.assist_units == ["urban"]
    assert appeal.state == "签收"
    assert appeal.suggestion.department == "urban"
    assert appeal.suggestion.model_version == "test-1"
    assert appeal.reporter_name == "张**"
    assert appeal.reporter_phone == "138****8000"
    assert appeal.time_limit["amount"] == 13  # 投诉: 13 working days


def test_retried_submit_returns_the_same_appeal(session: Session) -> None:
    first = services.create_appeal(session, actor=OPERATOR, data=CALL, triager=fake_triager(), now=MONDAY)
    again = services.create_appeal(session, actor=OPERATOR, data=CALL, triager=fake_triager(), now=MONDAY)
    assert again.id == first.id
    assert first.created
    assert not again.created
    assert services.list_appeals(session, actor=OPERATOR).total == 1


def test_journey_sign_return_redispatch_reply_callback(session: Session) -> None:
    call = CALL.model_copy(update={"department": "urban", "assist_units": []})
    appeal = services.create_appeal(session, actor=OPERATOR, data=call, triager=fake_triager(), now=MONDAY)
    assert appeal.department == "urban"
    assert appeal.corrected  # the operator chose the unit: the suggestion stays recorded beside it
    appeal = services.perform(
        session, actor=URBAN, appeal_id=appeal.id, action="sign", expected_version=appeal.version or 0, now=_at(1)
    )
    assert appeal.state == "办理"
    appeal = services.perform(
        session,
        actor=URBAN,
        appeal_id=appeal.id,
        action="return",
        expected_version=appeal.version or 0,
        reason="属物业管理范围，非本单位职责",
        now=_at(2),
    )
    assert appeal.state == "派单"
    appeal = services.dispatch_appeal(
        session,
        actor=DISPATCHER,
        appeal_id=appeal.id,
        expected_version=appeal.version or 0,
        lead_unit="housing",
        reason="改派住建部门",
        redispatch=True,
        now=_at(3),
    )
    assert (appeal.state, appeal.department) == ("签收", "housing")
    with pytest.raises(NotFoundError):  # the old unit no longer sees the appeal
        services.perform(session, actor=URBAN, appeal_id=appeal.id, action="sign", expected_version=appeal.version or 0)
    appeal = services.perform(
        session, actor=HOUSING, appeal_id=appeal.id, action="sign", expected_version=appeal.version or 0, now=_at(4)
    )
    appeal = services.reply_appeal(
        session,
        actor=HOUSING,
        appeal_id=appeal.id,
        expected_version=appeal.version or 0,
        text="已督促物业更换路灯灯泡，现已恢复照明。",
        now=_at(5),
    )
    assert appeal.state == "答复"
    appeal = services.review_reply(
        session, actor=DISPATCHER, appeal_id=appeal.id, expected_version=appeal.version or 0, approve=True, now=_at(6)
    )
    assert appeal.state == "回访"
    appeal = services.record_callback(
        session,
        actor=OPERATOR,
        appeal_id=appeal.id,
        expected_version=appeal.version or 0,
        satisfaction="满意",
        rating_level=5,
        now=_at(7),
    )
    assert (appeal.state, appeal.status, appeal.outcome) == ("办结", "closed", "办结")
    ratings = ratings_services.list_ratings(
        session, actor=services.HOTLINE_ACTOR, subject_ref=f"appeal:{appeal.number}"
    )
    assert [(r.level, r.department_code) for r in ratings.items] == [(5, "housing")]
    sms = session.scalars(select(Outbox).where(Outbox.recipient == "13800138000")).all()
    assert {row.template_key for row in sms} >= {"hotline_accepted", "hotline_reply"}
    detail = services.get_appeal(session, actor=OPERATOR, appeal_id=appeal.id)
    assert [c.satisfaction for c in detail.callbacks] == ["满意"]
    assert {"sign", "return", "dispatch", "reply", "approve_reply", "revisit_satisfied"} <= {
        entry["action"] for entry in detail.timeline
    }


def test_unsatisfied_callback_reopens(session: Session) -> None:
    call = CALL.model_copy(update={"department": "urban", "assist_units": []})
    appeal = services.create_appeal(session, actor=OPERATOR, data=call, triager=fake_triager(), now=MONDAY)
    appeal = services.perform(
        session, actor=URBAN, appeal_id=appeal.id, action="sign", expected_version=appeal.version or 0
    )
    appeal = services.reply_appeal(
        session, actor=URBAN, appeal_id=appeal.id, expected_version=appeal.version or 0, text="已修复"
    )
    appeal = services.review_reply(
        session, actor=DISPATCHER, appeal_id=appeal.id, expected_version=appeal.version or 0, approve=True
    )
    appeal = services.record_callback(
        session,
        actor=OPERATOR,
        appeal_id=appeal.id,
        expected_version=appeal.version or 0,
        satisfaction="不满意",
        note="路灯还是不亮",
    )
    assert (appeal.state, appeal.reopen_count, appeal.satisfaction) == ("办理", 1, "不满意")
    bad = ratings_services.list_ratings(session, actor=services.HOTLINE_ACTOR, bad_only=True)
    assert bad.total == 1  # 不满意 → a bad rating, which opens the unit's rectification


def test_emergency_is_transferred_with_reason(session: Session) -> None:
    data = CALL.model_copy(update={"content": "小区门口有人被车撞倒流血不止", "idempotency_key": "call-9"})
    appeal = services.create_appeal(
        session, actor=OPERATOR, data=data, triager=fake_triager(redirect="120"), now=MONDAY
    )
    assert (appeal.status, appeal.outcome, appeal.redirect_number) == ("closed", "转接", "120")
    assert "急救" in appeal.redirect_reason


def test_duplicates_are_suggested_and_merged_and_every_reporter_told(session: Session) -> None:
    first = services.create_appeal(session, actor=OPERATOR, data=CALL, triager=fake_triager(), now=MONDAY)
    second_call = CALL.model_copy(
        update={
            "content": "玉林北路12号附近路灯坏了不亮，晚上太黑了",
            "reporter_phone": "13900139000",
            "lon": 104.0502,
            "idempotency_key": "call-0002",
        }
    )
    second = services.create_appeal(session, actor=OPERATOR, data=second_call, triager=fake_triager(), now=_at(2))
    found = services.find_duplicates(
        session,
        actor=OPERATOR,
        text=second.content,
        category="010201",
        lon=104.0502,
        lat=30.63,
        exclude_id=second.id,
        now=_at(2),
    )
    assert [c.appeal_id for c in found] == [first.id]
    merged = services.merge_appeal(
        session, actor=DISPATCHER, appeal_id=second.id, master_id=first.id, expected_version=second.version or 0
    )
    assert (merged.outcome, merged.master_id, merged.master_number) == ("已并单", first.id, first.number)
    master = services.get_appeal(session, actor=OPERATOR, appeal_id=first.id)
    assert master.duplicate_count == 1
    assert [d.id for d in master.duplicates] == [second.id]
    staff = services.HOTLINE_ACTOR
    signed = services.perform(
        session, actor=staff, appeal_id=first.id, action="sign", expected_version=master.version or 0
    )
    replied = services.reply_appeal(
        session, actor=staff, appeal_id=first.id, expected_version=signed.version or 0, text="路灯已修复"
    )
    services.review_reply(
        session, actor=DISPATCHER, appeal_id=first.id, expected_version=replied.version or 0, approve=True
    )
    told = {row.recipient for row in session.scalars(select(Outbox).where(Outbox.template_key == "hotline_reply"))}
    assert told == {"13800138000", "13900139000"}


def test_stale_version_is_a_conflict_and_scope_hides_others(session: Session) -> None:
    appeal = services.create_appeal(session, actor=OPERATOR, data=CALL, triager=fake_triager(), now=MONDAY)
    stale = (appeal.version or 0) - 1
    with pytest.raises(ConflictError):
        services.perform(
            session, actor=DISPATCHER, appeal_id=appeal.id, action="remind", expected_version=stale, comment="请尽快"
        )
    with pytest.raises(NotFoundError):
        services.get_appeal(session, actor=HOUSING, appeal_id=appeal.id)
    assert services.list_appeals(session, actor=HOUSING).total == 0
    assert services.list_appeals(session, actor=URBAN, filters=AppealFilter(q="路灯")).total == 1


def test_bad_input_is_a_chinese_field_error(session: Session) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_appeal(
            session,
            actor=OPERATOR,
            data=CALL.model_copy(update={"reporter_id_number": "510107199001011234", "idempotency_key": None}),
            triager=fake_triager(),
        )
    assert caught.value.field == "reporter_id_number"
    with pytest.raises(ValidationError) as caught:
        services.create_appeal(
            session,
            actor=OPERATOR,
            data=CALL.model_copy(update={"department": "nowhere", "idempotency_key": None}),
            triager=fake_triager(),
        )
    assert caught.value.field == "department"


def test_low_confidence_online_appeal_waits_for_an_operator(session: Session) -> None:
    citizen = services.HOTLINE_ACTOR.__class__(
        id="citizen.demo", department=None, role="citizen", roles=frozenset({"citizen"})
    )
    data = CALL.model_copy(update={"channel": "web", "idempotency_key": "web-1"})
    appeal = services.create_appeal(session, actor=citizen, data=data, triager=fake_triager(confidence=0.3), now=MONDAY)
    assert (appeal.state, appeal.needs_review) == ("受理", True)
    assert services.list_appeals(session, actor=citizen).total == 1
    accepted = services.accept_appeal(
        session, actor=OPERATOR, appeal_id=appeal.id, expected_version=appeal.version or 0
    )
    assert accepted.state == "派单"
    routed = services.dispatch_appeal(
        session, actor=DISPATCHER, appeal_id=appeal.id, expected_version=accepted.version or 0
    )
    assert (routed.state, routed.department) == ("签收", "510107012")


def test_operator_answers_a_consultation_directly_at_intake(session: Session) -> None:
    question = CALL.model_copy(
        update={
            "content": "请问公积金提取需要什么材料，可以在网上办吗",
            "appeal_type": "咨询",
            "category": "030401",
            "direct_answer": "可通过天府通办App在线提取，需身份证和银行卡。",
            "kb_article": "hfund-withdraw",
            "idempotency_key": "ask-1",
        }
    )
    appeal = services.create_appeal(session, actor=OPERATOR, data=question, triager=fake_triager(), now=MONDAY)
    assert (appeal.state, appeal.outcome, appeal.direct_answer) == ("办结", "办结", True)
    assert appeal.reply_text.startswith("可通过天府通办")
    assert appeal.department == "hfund"  # the chosen category's department, not the suggestion's
    assert appeal.category_path == ["劳动和社会保障", "住房公积金", "公积金缴存提取与贷款"]
    detail = services.get_appeal(session, actor=OPERATOR, appeal_id=appeal.id)
    assert [e["action"] for e in detail.timeline][-1] == "answer_directly"

    citizen = services.HOTLINE_ACTOR.__class__(
        id="citizen.demo", department=None, role="citizen", roles=frozenset({"citizen"})
    )
    with pytest.raises(ValidationError) as caught:
        services.create_appeal(
            session,
            actor=citizen,
            data=question.model_copy(update={"channel": "web", "idempotency_key": "ask-2"}),
            triager=fake_triager(),
        )
    assert caught.value.field == "direct_answer"
    with pytest.raises(ValidationError) as caught:
        services.create_appeal(
            session,
            actor=OPERATOR,
            data=CALL.model_copy(update={"category": "999999", "idempotency_key": "ask-3"}),
            triager=fake_triager(),
        )
    assert (caught.value.field, "999999" in caught.value.message) == ("category", True)

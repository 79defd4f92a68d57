"""Message centre and outbox over HTTP: JSON API, pages, permissions, templates."""

from __future__ import annotations

from fastapi.testclient import TestClient
from notify_support import ADMIN, CITIZEN, MARKET_STAFF, ActorSwitch
from sqlalchemy.orm import Session, sessionmaker

from yiwang.notify import services
from yiwang.notify.dispatcher import deliver_pending
from yiwang.notify.policy import NotifyConfig

COMPLETED = {"service_name": "食品经营许可", "case_no": "SL2026-7", "result": "准予许可"}


def _send(session: Session, session_factory: sessionmaker[Session], *recipients: str) -> None:
    for index, recipient in enumerate(recipients):
        services.enqueue(
            session,
            template_key="completed",
            channel="inapp",
            recipient=recipient,
            variables=COMPLETED,
            idempotency_key=f"completed:{index}:{recipient}",
            subject_ref="workflow:7",
        )
    services.enqueue(
        session,
        template_key="completed",
        channel="sms",
        recipient="13812345678",
        recipient_account_id=CITIZEN.id,
        variables=COMPLETED,
        idempotency_key="completed:sms",
    )
    session.commit()
    deliver_pending(session_factory, config=NotifyConfig(rate_limits={}))


def test_message_centre_lists_counts_and_marks_read(
    notify_app: tuple[TestClient, ActorSwitch], session: Session, session_factory: sessionmaker[Session]
) -> None:
    client, actors = notify_app
    _send(session, session_factory, CITIZEN.id, CITIZEN.id, "someone-else", "dept:market")
    actors.use(CITIZEN)
    page = client.get("/api/notify/messages").json()
    assert (page["total"], page["unread"]) == (3, 3)
    sms = next(item for item in page["items"] if item["channel"] == "sms")
    assert sms["channel_label"] == "短信"
    assert sms["address_masked"] == "138****5678"
    assert client.get("/api/notify/messages/unread-count").json() == {"unread": 3}

    first = page["items"][0]["id"]
    read = client.post(f"/api/notify/messages/{first}/read").json()
    assert read["read_at"] is not None
    assert client.get("/api/notify/messages/unread-count").json() == {"unread": 2}
    assert client.get("/api/notify/messages", params={"unread_only": True}).json()["total"] == 2
    assert client.post("/api/notify/messages/read-all").json() == {"changed": 2}
    assert client.get("/api/notify/messages/unread-count").json() == {"unread": 0}

    # Someone else's message is "not found", not "forbidden".
    actors.use(MARKET_STAFF)
    staff_page = client.get("/api/notify/messages").json()
    assert staff_page["total"] == 1
    assert staff_page["items"][0]["shared"] is True
    response = client.post(f"/api/notify/messages/{first}/read")
    assert response.status_code == 404
    assert response.json()["detail"][0]["message"] == f"消息 {first} 不存在"


def test_message_centre_page(
    notify_app: tuple[TestClient, ActorSwitch], session: Session, session_factory: sessionmaker[Session]
) -> None:
    client, actors = notify_app
    actors.use(CITIZEN)
    empty = client.get("/messages")
    assert empty.status_code == 200
    assert "暂无消息" in empty.text
    _send(session, session_factory, CITIZEN.id)
    page = client.get("/messages")
    assert "已办结：食品经营许可" in page.text
    assert "138****5678" in page.text
    assert "13812345678" not in page.text
    assert "全部标为已读" in page.text
    response = client.post("/messages/read-all", follow_redirects=False)
    assert response.status_code == 303
    assert "已将 2 条消息标为已读" in client.get(response.headers["location"]).text


def test_outbox_is_for_platform_staff_only(
    notify_app: tuple[TestClient, ActorSwitch], session: Session, session_factory: sessionmaker[Session]
) -> None:
    client, actors = notify_app
    _send(session, session_factory, CITIZEN.id)
    actors.use(ADMIN)
    outbox = client.get("/api/notify/outbox").json()
    assert outbox["status_counts"]["sent"] == 2
    assert {item["recipient_masked"] for item in outbox["items"]} == {"citizen-001", "138****5678"}
    sms_only = client.get("/api/notify/outbox", params={"channel": "sms"}).json()
    assert [item["template_name"] for item in sms_only["items"]] == ["办结通知"]
    bad = client.get("/api/notify/outbox", params={"status": "lost"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["message"] == "未知的发送状态：lost"
    page = client.get("/notify/outbox")
    assert page.status_code == 200
    assert "通知发送队列" in page.text

    actors.use(CITIZEN)
    denied = client.get("/api/notify/outbox")
    assert denied.status_code == 403
    assert "只有平台管理员" in denied.json()["detail"][0]["message"]
    assert client.get("/notify/outbox").status_code == 403


def test_templates_list_publish_and_preview(
    notify_app: tuple[TestClient, ActorSwitch], session: Session, session_factory: sessionmaker[Session]
) -> None:
    client, actors = notify_app
    templates = client.get("/api/notify/templates").json()
    keys = {item["key"] for item in templates}
    assert {
        "application_accepted",
        "deadline_reminder",
        "overdue_supervision",
        "completed",
        "rating_invitation",
        "bad_rating_rectification",
        "callback_reminder",
    } <= keys
    preview = client.post("/api/notify/templates/completed/sms/preview", json={"variables": COMPLETED}).json()
    assert preview["body"].startswith("【成都一网】您申请的食品经营许可")
    assert preview["sms_segments"] == 1
    missing = client.post("/api/notify/templates/completed/sms/preview", json={"variables": {}})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["message"] == "通知模板 completed 缺少变量：case_no、result、service_name"

    actors.use(ADMIN)
    published = client.post(
        "/api/notify/templates",
        json={
            "key": "completed",
            "channel": "inapp",
            "title": "办结：{{ service_name }}",
            "body": "{{ case_no }} 已办结",
        },
    )
    assert published.status_code == 201
    assert (published.json()["version"], published.json()["source"]) == (2, "published")
    broken = client.post(
        "/api/notify/templates", json={"key": "completed", "channel": "inapp", "title": "t", "body": "{{ oops"}
    )
    assert broken.status_code == 422
    assert broken.json()["detail"][0]["message"].startswith("模板语法错误")

    outbox_id = services.enqueue(
        session,
        template_key="completed",
        channel="inapp",
        recipient=CITIZEN.id,
        variables=COMPLETED,
        idempotency_key="completed:v2",
    )
    session.commit()
    row = client.get(f"/api/notify/outbox/{outbox_id}").json()
    assert (row["template_version"], row["title"], row["body"]) == (2, "办结：食品经营许可", "SL2026-7 已办结")

    actors.use(MARKET_STAFF)
    assert (
        client.post(
            "/api/notify/templates", json={"key": "completed", "channel": "inapp", "title": "x", "body": "y"}
        ).status_code
        == 403
    )
    assert "通知模板" in client.get("/notify/templates").text


def test_requeue_dead_message(
    notify_app: tuple[TestClient, ActorSwitch], session: Session, session_factory: sessionmaker[Session]
) -> None:
    client, actors = notify_app
    outbox_id = services.enqueue(
        session,
        template_key="completed",
        channel="email",
        recipient="zhangsan@example.com",
        variables=COMPLETED,
        idempotency_key="completed:mail",
    )
    session.commit()
    # Live mode without a reachable relay: the port below refuses, and with one attempt allowed the row dies.
    config = NotifyConfig(gateway_mode="live", smtp_port=1, max_attempts=1, rate_limits={})
    assert deliver_pending(session_factory, config=config).dead == 1
    actors.use(ADMIN)
    conflict = client.post("/api/notify/outbox/999999/requeue")
    assert conflict.status_code == 404
    requeued = client.post(f"/api/notify/outbox/{outbox_id}/requeue").json()
    assert (requeued["status"], requeued["attempts"]) == ("pending", 0)
    again = client.post(f"/api/notify/outbox/{outbox_id}/requeue")
    assert again.status_code == 409

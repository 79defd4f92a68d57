"""好差评 over HTTP: the JSON API and the pages (form, statistics chart, rectifications, appeals)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from ratings_support import CITIZEN, CITIZEN_2, MARKET_STAFF, OPERATOR, REVIEWER, TAX_STAFF, ActorSwitch
from sqlalchemy.orm import Session

from yiwang.registry import services as registry_services

RATING = {
    "subject_ref": "workflow:501",
    "department_code": "market",
    "unit_code": "market.wuhou.window3",
    "channel": "offline",
    "level": 2,
    "indicators": {"attitude": 1, "efficiency": 3},
    "comment": "排队两小时",
    "service_name": "食品经营许可",
}


def test_api_rate_revise_and_refuse(ratings_app: tuple[TestClient, ActorSwitch]) -> None:
    client, actors = ratings_app
    scale = client.get("/api/ratings/scale").json()
    assert [level["label"] for level in scale["levels"]] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert scale["indicators"]["offline"] == {
        "efficiency": "服务效率",
        "competence": "服务水平",
        "attitude": "服务态度",
    }

    actors.use(CITIZEN)
    created = client.post("/api/ratings", json=RATING)
    assert created.status_code == 201
    rating = created.json()
    assert (rating["level_label"], rating["channel_label"]) == ("不满意", "线下评价")
    rectification = rating["rectification"]
    assert rectification["status"] == "open"
    again = client.post("/api/ratings", json=RATING | {"level": 5})
    assert again.status_code == 201  # one revision within 24 hours
    assert again.json()["rectification"]["resolution"] == "rating_revised"
    third = client.post("/api/ratings", json=RATING)
    assert third.status_code == 409
    assert third.json()["detail"][0]["message"].startswith("您已评价过该事项")
    invalid = client.post("/api/ratings", json=RATING | {"subject_ref": "workflow:502", "indicators": {"usability": 2}})
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["field"] == "indicators.usability"


def test_api_rectification_appeal_and_statistics(ratings_app: tuple[TestClient, ActorSwitch]) -> None:
    client, actors = ratings_app
    actors.use(CITIZEN)
    client.post("/api/ratings", json=RATING | {"level": 5})
    actors.use(CITIZEN_2)
    bad = client.post("/api/ratings", json=RATING | {"level": 1}).json()
    rid = bad["rectification"]["id"]
    assert client.get(f"/api/ratings/{bad['id']}").status_code == 200
    actors.use(TAX_STAFF)
    assert client.get(f"/api/ratings/{bad['id']}").status_code == 404
    forbidden = client.post(f"/api/ratings/rectifications/{rid}/response", json={"response": "x"})
    assert forbidden.status_code == 404

    actors.use(MARKET_STAFF)
    listed = client.get("/api/ratings/rectifications", params={"status": "open"}).json()
    assert [item["id"] for item in listed["items"]] == [rid]
    responded = client.post(
        f"/api/ratings/rectifications/{rid}/response", json={"response": "增设取号机", "kind": "scheduled"}
    )
    assert responded.json()["status"] == "rectified"
    appeal = client.post(f"/api/ratings/{bad['id']}/appeals", json={"reason": "评价人未到现场", "evidence": ["a.jpg"]})
    assert appeal.status_code == 201
    denied = client.post(f"/api/ratings/appeals/{appeal.json()['id']}/decision", json={"accept": True})
    assert denied.status_code == 403
    assert denied.json()["detail"][0]["code"] == "permission_denied"

    actors.use(OPERATOR)
    callback = client.post(f"/api/ratings/rectifications/{rid}/callback", json={"satisfaction": 3, "note": "基本认可"})
    assert callback.json()["status"] == "closed"

    actors.use(REVIEWER)
    pending = client.get("/api/ratings/appeals", params={"status": "pending"}).json()
    assert pending["status_counts"] == {"pending": 1, "accepted": 0, "rejected": 0}
    decided = client.post(
        f"/api/ratings/appeals/{appeal.json()['id']}/decision", json={"accept": False, "note": "证据不足"}
    )
    assert decided.json()["status_label"] == "申诉不成立"
    stats = client.get("/api/ratings/statistics").json()
    assert stats["total"]["count"] == 2
    assert stats["total"]["bad"] == 1
    assert stats["total"]["rectification_rate"] == 1.0
    by_unit = client.get("/api/ratings/statistics", params={"by": "unit", "department_code": "market"}).json()
    assert [row["code"] for row in by_unit["rows"]] == ["market.wuhou.window3"]
    assert client.get("/api/ratings/statistics", params={"by": "district"}).status_code == 422


def test_rating_form_and_thanks_page(ratings_app: tuple[TestClient, ActorSwitch], session: Session) -> None:
    client, actors = ratings_app
    registry_services.load_departments(session)
    actors.use(CITIZEN)
    form = client.get(
        "/ratings/new",
        params={"subject": "workflow:9", "department": "market", "unit": "market.jinjiang", "service": "食品经营许可"},
    )
    assert form.status_code == 200
    assert 'value="workflow:9"' in form.text
    assert '<option value="market" selected>市市场监管局</option>' in form.text
    assert "办事指南精确度" in form.text
    assert "服务态度" in form.text

    missing = client.post(
        "/ratings/new",
        data={
            "subject_ref": "workflow:9",
            "department_code": "market",
            "unit_code": "market.jinjiang",
            "channel": "online",
        },
    )
    assert missing.status_code == 422
    assert "请选择整体满意度" in missing.text

    submitted = client.post(
        "/ratings/new",
        data={
            "subject_ref": "workflow:9",
            "department_code": "market",
            "unit_code": "market.jinjiang",
            "service_name": "食品经营许可",
            "channel": "online",
            "level": "1",
            "indicator_efficiency": "1",
            "indicator_attitude": "5",  # an offline indicator: ignored for an online rating
            "comment": "材料清单与实际要求不一致",
        },
    )
    assert submitted.status_code == 201
    assert "感谢您的评价" in submitted.text
    assert "非常不满意" in submitted.text
    assert "办事效率" in submitted.text
    assert "整改期限" in submitted.text
    assert "服务态度" not in submitted.text
    duplicate = client.post(
        "/ratings/new",
        data={
            "subject_ref": "workflow:9",
            "department_code": "market",
            "unit_code": "u",
            "channel": "online",
            "level": "5",
        },
    )
    assert duplicate.status_code == 201  # the one revision allowed
    assert "（已修改）" in duplicate.text


def test_statistics_page_with_chart(ratings_app: tuple[TestClient, ActorSwitch], session: Session) -> None:
    client, actors = ratings_app
    empty = client.get("/ratings")
    assert empty.status_code == 200
    assert "该期间暂无评价" in empty.text
    registry_services.load_departments(session)
    actors.use(CITIZEN)
    client.post("/api/ratings", json=RATING | {"level": 5})
    actors.use(CITIZEN_2)
    client.post("/api/ratings", json=RATING | {"level": 1, "department_code": "tax", "unit_code": "tax.gaoxin"})
    page = client.get("/ratings")
    assert page.status_code == 200
    assert 'id="ratings-count"' in page.text
    assert 'data-chart="bar"' in page.text
    assert "市市场监管局" in page.text
    assert "50.0%" in page.text  # 好评率 of the two ratings together
    drill = client.get("/ratings", params={"department": "market"})
    assert "market.wuhou.window3" in drill.text
    bad_dates = client.get("/ratings", params={"date_from": "2026-13-01"})
    assert bad_dates.status_code == 422
    assert "日期格式应为 YYYY-MM-DD" in bad_dates.text


def test_rectification_and_appeal_pages(ratings_app: tuple[TestClient, ActorSwitch]) -> None:
    client, actors = ratings_app
    actors.use(CITIZEN)
    first = client.post("/api/ratings", json=RATING).json()
    actors.use(CITIZEN_2)
    second = client.post("/api/ratings", json=RATING | {"level": 1}).json()

    actors.use(MARKET_STAFF)
    page = client.get("/ratings/rectifications")
    assert page.status_code == 200
    assert f'id="rectification-{first["rectification"]["id"]}"' in page.text
    assert "反馈整改" in page.text
    responded = client.post(
        f"/ratings/rectifications/{first['rectification']['id']}/respond",
        data={"response": "已优化叫号流程", "kind": "immediate"},
        follow_redirects=False,
    )
    assert responded.status_code == 303
    after = client.get(responded.headers["location"])
    assert "已反馈整改情况" in after.text
    assert "立行立改：</strong>已优化叫号流程" in after.text
    empty = client.post(f"/ratings/rectifications/{second['rectification']['id']}/respond", data={"response": " "})
    assert empty.status_code == 422
    assert "请填写整改情况" in empty.text
    appealed = client.post(
        f"/ratings/{second['id']}/appeal",
        data={"reason": "恶意差评", "evidence": "录像.mp4\n\n签收单.pdf"},
        follow_redirects=False,
    )
    assert appealed.status_code == 303

    actors.use(OPERATOR)
    called = client.post(
        f"/ratings/rectifications/{first['rectification']['id']}/callback",
        data={"satisfaction": "5", "method": "phone", "note": "满意"},
        follow_redirects=False,
    )
    assert called.status_code == 303
    assert "已登记回访结果" in client.get(called.headers["location"]).text

    actors.use(REVIEWER)
    appeals = client.get("/ratings/appeals")
    assert "恶意差评" in appeals.text
    assert "签收单.pdf" in appeals.text
    appeal_id = int(re.search(r'id="appeal-(\d+)"', appeals.text).group(1))  # type: ignore[union-attr]
    decided = client.post(
        f"/ratings/appeals/{appeal_id}/decide", data={"decision": "accept", "note": "属实"}, follow_redirects=False
    )
    assert decided.status_code == 303
    done = client.get(decided.headers["location"])
    assert "已完成复核" in done.text
    stats = client.get("/api/ratings/statistics").json()
    assert (stats["total"]["count"], stats["total"]["excluded"]) == (1, 1)

    actors.use(MARKET_STAFF)
    refused = client.post(f"/ratings/appeals/{appeal_id}/decide", data={"decision": "reject", "note": "x"})
    assert refused.status_code == 403
    assert "申诉须由平台复核人员处理" in refused.text

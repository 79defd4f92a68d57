"""Open311 GeoReport v2 round trip with two third-party clients from PyPI against a live server.

``civicbot`` (its ``Open311Client``: service list, definition, a validated POST with ``api_key``, request lists)
and ``georeport`` (``GeoReport``: reads in JSON and XML) talk to uvicorn on a loopback port, as a citizen app
would. Malformed requests go through civicbot's own HTTP transport (its client refuses to build them) and must be
answered in the standard error format ``[{"code": N, "description": "…"}]`` with the matching status.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from civicbot.http import HttpError, HttpTransport, RateLimiter
from civicbot.open311 import Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport
from sqlalchemy.orm import Session

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.identity import services as identity_services
from yiwang.identity.schemas import AccountCreate
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import Actor
from yiwang.kernel.identifiers import id_check_char

ADMIN = Actor(id="open311-setup", department="cityops", role="platform_admin", roles=frozenset({"platform_admin"}))
PERSON_ID = "51010719900307002" + id_check_char("51010719900307002")
STREET_LIGHT = "010201"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live(settings: Settings) -> Iterator[str]:
    """The application served by uvicorn in a background thread; yields its base URL."""
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="open311-live-server", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail("the live server did not answer /healthz within 30 s")
        time.sleep(0.1)
    yield f"{base_url}/open311/v2"
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


@pytest.fixture
def api_key(session: Session) -> str:
    """An identity API token of a citizen's account: the Open311 ``api_key`` of a citizen app."""
    identity_services.create_account(
        session,
        actor=ADMIN,
        data=AccountCreate(
            username="citizen.app", display_name="市民App", role=Role.CITIZEN, person_id_number=PERSON_ID
        ),
    )
    return identity_services.create_api_token(session, actor=ADMIN, username="citizen.app", name="app").access_token


def _civicbot(base: str) -> Open311Client:
    endpoint = Endpoint(id="chengdu", name="成都12345", base_url=base, write=True)
    # No politeness delay against our own loopback server.
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0.0))
    return Open311Client(endpoint, transport=transport, jurisdiction_id="510100")


def _error(caught: pytest.ExceptionInfo[HttpError], status: int) -> str:
    assert caught.value.status == status, caught.value.body
    body = json.loads(caught.value.body)
    assert isinstance(body, list)
    assert body[0]["code"] == status
    description: str = body[0]["description"]
    return description


def test_round_trip_with_civicbot_and_georeport(live: str, api_key: str) -> None:
    bot = _civicbot(live)
    services = bot.list_services()
    light = next(s for s in services if s["service_code"] == STREET_LIGHT)
    assert light["service_name"] == "路灯照明"
    assert light["metadata"] is True
    definition = bot.get_service_definition(STREET_LIGHT)
    assert {a["code"] for a in definition["attributes"]} == {"appeal_type", "urgency"}

    filed = []
    for n in range(3):
        prepared = bot.create_request(
            STREET_LIGHT,
            dry_run=False,
            confirm="SEND",
            api_key=api_key,
            validate_remote=True,
            lat=30.63,
            lng=104.05 + n * 0.01,
            address_string=f"武侯区玉林北路{12 + n}号",
            description=f"玉林北路{12 + n}号路灯不亮，晚上很黑（第{n + 1}处）",
            attributes={"appeal_type": "投诉"},
            first_name="三",
            last_name="张",
            phone="13800138000",
            device_id=f"device-{n}",
        )
        answer = prepared.response
        assert isinstance(answer, list)
        assert answer[0]["service_request_id"].startswith("12345-")
        assert answer[0]["token"]
        filed.append(answer[0])

    # A retried POST from the same device (same device_id) is the same request, not a new one.
    again = bot.create_request(
        STREET_LIGHT,
        dry_run=False,
        confirm="SEND",
        api_key=api_key,
        lat=30.63,
        lng=104.05,
        description="玉林北路12号路灯不亮，晚上很黑（第1处）",
        device_id="device-0",
    )
    assert again.response[0]["service_request_id"] == filed[0]["service_request_id"]

    one = bot.get_request(filed[0]["service_request_id"])
    assert one is not None
    assert (one["status"], one["service_code"]) == ("open", STREET_LIGHT)
    assert one["agency_responsible"]
    assert one["expected_datetime"]
    assert "13800138000" not in json.dumps(one, ensure_ascii=False)  # public reads carry no personal data
    assert bot.get_token(filed[1]["token"])[0]["service_request_id"] == filed[1]["service_request_id"]

    listed = bot.list_requests(service_code=STREET_LIGHT, status="open")
    assert {r["service_request_id"] for r in listed} == {f["service_request_id"] for f in filed}
    first_page = bot.list_requests(page_size=2)
    second_page = bot.http.get_json(bot._url("requests"), bot._params(page=2, page_size=2))
    assert len(first_page) == 2
    assert len(second_page) == 1
    assert not {r["service_request_id"] for r in first_page} & {r["service_request_id"] for r in second_page}

    for fmt in ("json", "xml"):
        reader = GeoReport(live, jurisdiction="510100", output_format=fmt)
        names = {s["service_code"]: s["service_name"] for s in reader.get_service_list()}
        assert names[STREET_LIGHT] == "路灯照明"
        definition = reader.get_service_definition(STREET_LIGHT)
        assert definition["service_code"] == STREET_LIGHT
        request = reader.get_service_request(filed[2]["service_request_id"])
        assert request["service_request_id"] == filed[2]["service_request_id"]
        assert request["status"] == "open"
        chosen = reader.get_service_requests(service_request_id=filed[1]["service_request_id"])
        chosen_list: list[dict[str, Any]] = chosen if isinstance(chosen, list) else [chosen]
        assert [r["service_request_id"] for r in chosen_list] == [filed[1]["service_request_id"]]


def test_malformed_requests_get_the_standard_errors(live: str, api_key: str) -> None:
    bot = _civicbot(live)
    url = bot._url("requests")
    good = {
        "service_code": STREET_LIGHT,
        "lat": "30.63",
        "long": "104.05",
        "api_key": api_key,
        "description": "路灯不亮",
    }

    cases: list[tuple[dict[str, str], int, str]] = [
        ({k: v for k, v in good.items() if k != "service_code"}, 400, "service_code"),
        ({**good, "lat": "north"}, 400, "lat"),
        ({**good, "lat": "130"}, 400, "lat"),
        ({k: v for k, v in good.items() if k != "long"}, 400, "long"),
        ({**good, "service_code": "999999"}, 404, "999999"),
        ({**good, "api_key": "not-a-real-key"}, 403, "api_key"),
        ({k: v for k, v in good.items() if k != "api_key"}, 403, "api_key"),
        ({**good, "attribute[urgency]": "马上"}, 400, "urgency"),
        ({**good, "media_url": "ftp://photos/1.jpg"}, 400, "图片链接须以 http:// 或 https:// 开头"),
        ({**good, "email": "not-an-address"}, 400, "电子邮件地址格式不正确"),
    ]
    for form, status, mentioned in cases:
        with pytest.raises(HttpError) as caught:
            bot.http.post_form(url, form)
        assert mentioned in _error(caught, status), form

    with pytest.raises(HttpError) as caught:
        bot.get_request("12345-20260101-999999")
    assert "12345-20260101-999999" in _error(caught, 404)
    with pytest.raises(HttpError) as caught:
        bot.get_service_definition("nope")
    _error(caught, 404)
    with pytest.raises(HttpError) as caught:
        bot.list_requests(status="pending")
    _error(caught, 400)
    with pytest.raises(HttpError) as caught:
        bot.http.get_json(bot._url("requests"), {"jurisdiction_id": "110000"})
    assert "110000" in _error(caught, 404)
    xml = httpx.get(f"{live}/services/nope.xml")
    assert xml.status_code == 404
    assert xml.text.count("<error>") == 1
    assert "<code>404</code>" in xml.text

"""Actors and app wiring shared by the notify tests (a module of its own so test files can import it)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.kernel.actor import Actor
from yiwang.web import deps

CITIZEN = Actor(id="citizen-001", department=None, role="citizen", roles=frozenset({"citizen"}), display_name="张三")
MARKET_STAFF = Actor(
    id="staff-market-01",
    department="market",
    role="department_staff",
    roles=frozenset({"department_staff"}),
    display_name="市场监管局工作人员",
)
ADMIN = Actor(id="admin", department="cityops", role="platform_admin", roles=frozenset({"platform_admin"}))


def build_app(settings: Settings) -> FastAPI:
    """The application with the notify routers included (whether or not the composition root has them yet)."""
    return create_app(settings)


class ActorSwitch:
    """Lets a test choose who is calling."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.use(ADMIN)

    def use(self, actor: Actor) -> None:
        self.app.dependency_overrides[deps.get_actor] = lambda: actor


@dataclass
class FakeSmsProvider:
    """An SMS provider on 127.0.0.1: answers from ``script`` (codes, then 200); de-duplicates by client_ref."""

    url: str = ""
    script: list[int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    messages: dict[str, str] = field(default_factory=dict)  # client_ref → provider message id
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, payload: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.requests.append(payload)
            self.headers.append(headers)
            status = self.script.pop(0) if self.script else 200
            if status != 200:
                return status, {"error": f"scripted {status}"}
            ref = str(payload["client_ref"])
            message_id = self.messages.setdefault(ref, f"sms-{len(self.messages) + 1}")
            return 200, {"message_id": message_id}


@dataclass
class SmtpMailbox:
    """Mail received by the test SMTP server (raw DATA per message) and recipients refused with 550."""

    host: str = "127.0.0.1"
    port: int = 0
    received: list[bytes] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    temporary_failures: int = 0  # answer MAIL FROM with 451 this many times

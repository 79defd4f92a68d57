"""Actors, the app with the ratings routers, and a helper to rate — shared by the ratings tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy.orm import Session

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.kernel.actor import Actor
from yiwang.ratings import services
from yiwang.ratings.schemas import RatingRead
from yiwang.web import deps

CITY_TZ = ZoneInfo("Asia/Shanghai")


def _actor(actor_id: str, role: str, department: str | None = None) -> Actor:
    return Actor(id=actor_id, department=department, role=role, roles=frozenset({role}), display_name=actor_id)


CITIZEN = _actor("citizen-001", "citizen")
CITIZEN_2 = _actor("citizen-002", "citizen")
MARKET_STAFF = _actor("staff-market", "department_staff", "market")
TAX_STAFF = _actor("staff-tax", "department_staff", "tax")
OPERATOR = _actor("operator-12345", "hotline_operator", "cityops")
REVIEWER = _actor("reviewer", "platform_admin", "cityops")


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment in 北京时间."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=CITY_TZ)


def rate(
    session: Session,
    actor: Actor = CITIZEN,
    *,
    subject: str = "workflow:1",
    level: int = 5,
    department: str = "market",
    unit: str = "market.wuhou.window3",
    channel: str = "online",
    now: dt.datetime | None = None,
    **extra: object,
) -> RatingRead:
    """Submit a rating with sensible defaults."""
    return services.submit_rating(
        session,
        actor=actor,
        subject_ref=subject,
        department_code=department,
        unit_code=unit,
        channel=channel,
        level=level,
        service_name=str(extra.pop("service_name", "个体工商户设立登记")),
        now=now or local(2026, 3, 2),
        **extra,  # type: ignore[arg-type]
    )


def build_app(settings: Settings) -> FastAPI:
    """The application with the ratings and notify routers (whether or not the composition root has them yet)."""
    return create_app(settings)


class ActorSwitch:
    """Lets a test choose who is calling."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.use(REVIEWER)

    def use(self, actor: Actor) -> None:
        self.app.dependency_overrides[deps.get_actor] = lambda: actor

"""Delivery policy (pure): configuration, retry backoff and per-recipient rate limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from yiwang.notify.catalog import Channel


@dataclass(frozen=True)
class RateLimit:
    """At most ``count`` messages to one recipient on one channel within ``window``."""

    count: int
    window: dt.timedelta

    def describe(self) -> str:
        """Chinese wording, e.g. ``每小时 5 条``."""
        if self.window == dt.timedelta(hours=1):
            return f"每小时 {self.count} 条"
        if self.window == dt.timedelta(days=1):
            return f"每天 {self.count} 条"
        return f"每 {int(self.window.total_seconds())} 秒 {self.count} 条"


@dataclass(frozen=True)
class NotifyConfig:
    """How messages leave the platform.

    ``gateway_mode`` ``"inapp"`` (the default, used by the demo) routes every channel into the in-app message
    centre, labelled with the channel it stands for; ``"live"`` sends SMS over HTTP and e-mail over SMTP.
    """

    gateway_mode: str = "inapp"
    sms_url: str = ""
    sms_token: str = ""
    sms_auth_header: str = "Authorization"
    sms_timeout_s: float = 10.0
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout_s: float = 10.0
    email_from: str = "noreply@yiwang.local"
    max_attempts: int = 6
    retry_base: dt.timedelta = dt.timedelta(seconds=30)
    retry_max: dt.timedelta = dt.timedelta(hours=1)
    lease: dt.timedelta = dt.timedelta(minutes=5)
    rate_limits: dict[Channel, RateLimit] = field(
        default_factory=lambda: {
            Channel.SMS: RateLimit(5, dt.timedelta(hours=1)),
            Channel.EMAIL: RateLimit(20, dt.timedelta(hours=1)),
        }
    )

    @classmethod
    def from_settings(cls, settings: Any) -> NotifyConfig:
        """Build from the application settings' ``notify_*`` fields; a field not (yet) defined keeps its default."""
        defaults = cls()

        def pick(name: str, default: Any) -> Any:
            value = getattr(settings, f"notify_{name}", None)
            return default if value is None else value

        limits = dict(defaults.rate_limits)
        for channel in (Channel.SMS, Channel.EMAIL):
            per_hour = pick(f"{channel.value}_per_hour", None)
            if per_hour is not None:
                limits[channel] = RateLimit(int(per_hour), dt.timedelta(hours=1))
        secret = pick("sms_token", "")
        password = pick("smtp_password", "")
        return cls(
            gateway_mode=str(pick("gateway", defaults.gateway_mode)),
            sms_url=str(pick("sms_url", "")),
            sms_token=str(getattr(secret, "get_secret_value", lambda: secret)()),
            sms_auth_header=str(pick("sms_auth_header", defaults.sms_auth_header)),
            smtp_host=str(pick("smtp_host", defaults.smtp_host)),
            smtp_port=int(pick("smtp_port", defaults.smtp_port)),
            smtp_user=str(pick("smtp_user", "")),
            smtp_password=str(getattr(password, "get_secret_value", lambda: password)()),
            smtp_starttls=bool(pick("smtp_starttls", defaults.smtp_starttls)),
            email_from=str(pick("email_from", defaults.email_from)),
            max_attempts=int(pick("max_attempts", defaults.max_attempts)),
            rate_limits=limits,
        )


def backoff(attempts: int, *, base: dt.timedelta, cap: dt.timedelta) -> dt.timedelta:
    """Wait before the next attempt: ``base`` doubled per failed attempt, capped.

    Examples:
        >>> [int(backoff(n, base=dt.timedelta(seconds=30), cap=dt.timedelta(minutes=5)).total_seconds())
        ...  for n in (1, 2, 3, 4, 5)]
        [30, 60, 120, 240, 300]
    """
    exponent = max(attempts - 1, 0)
    if exponent > 30:  # noqa: PLR2004 - 2**30 times any base is far beyond every cap
        return cap
    return min(base * (1 << exponent), cap)


@dataclass(frozen=True)
class Admission:
    """How many queued messages to one recipient may go now, and when the rest may try again."""

    allowed: int
    retry_at: dt.datetime | None


def admit(
    *, limit: RateLimit | None, recent: Sequence[dt.datetime], in_flight: int, wanted: int, now: dt.datetime
) -> Admission:
    """Apply a rate limit: ``recent`` are the send times inside the window, ``in_flight`` messages are being sent.

    Messages over the limit are deferred (never dropped) until the oldest send leaves the window.

    Examples:
        >>> now = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
        >>> hour = RateLimit(2, dt.timedelta(hours=1))
        >>> admit(limit=hour, recent=[now - dt.timedelta(minutes=50)], in_flight=0, wanted=3, now=now)
        Admission(allowed=1, retry_at=datetime.datetime(2026, 3, 2, 10, 10, tzinfo=datetime.timezone.utc))
    """
    if limit is None:
        return Admission(allowed=wanted, retry_at=None)
    inside = sorted(moment for moment in recent if moment > now - limit.window)
    room = max(limit.count - len(inside) - in_flight, 0)
    if wanted <= room:
        return Admission(allowed=wanted, retry_at=None)
    # The window frees a slot when its oldest send ages out; with only in-flight sends, retry after one window.
    retry_at = inside[0] + limit.window if inside else now + limit.window
    return Admission(allowed=room, retry_at=max(retry_at, now + dt.timedelta(seconds=1)))

"""Retry backoff, rate-limit admission and configuration from settings (pure)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from yiwang.notify.catalog import Channel
from yiwang.notify.policy import NotifyConfig, RateLimit, admit, backoff

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
HOURLY_3 = RateLimit(3, dt.timedelta(hours=1))


def test_backoff_doubles_up_to_the_cap() -> None:
    base, cap = dt.timedelta(seconds=30), dt.timedelta(hours=1)
    waits = [backoff(n, base=base, cap=cap).total_seconds() for n in (1, 2, 3, 7, 8, 200)]
    assert waits == [30, 60, 120, 1920, 3600, 3600]


def test_admit_without_limit_lets_everything_through() -> None:
    assert admit(limit=None, recent=[NOW] * 50, in_flight=9, wanted=7, now=NOW).allowed == 7


def test_admit_counts_recent_sends_and_in_flight_ones() -> None:
    recent = [NOW - dt.timedelta(minutes=m) for m in (10, 20)]
    decision = admit(limit=HOURLY_3, recent=recent, in_flight=0, wanted=4, now=NOW)
    assert decision.allowed == 1
    assert decision.retry_at == NOW - dt.timedelta(minutes=20) + dt.timedelta(hours=1)
    busy = admit(limit=HOURLY_3, recent=[], in_flight=3, wanted=1, now=NOW)
    assert (busy.allowed, busy.retry_at) == (0, NOW + dt.timedelta(hours=1))


def test_sends_outside_the_window_do_not_count() -> None:
    old = [NOW - dt.timedelta(hours=2)] * 10
    assert admit(limit=HOURLY_3, recent=old, in_flight=0, wanted=3, now=NOW).allowed == 3


def test_rate_limit_wording() -> None:
    assert HOURLY_3.describe() == "每小时 3 条"
    assert RateLimit(10, dt.timedelta(days=1)).describe() == "每天 10 条"


def test_config_from_settings_uses_fields_that_exist() -> None:
    assert NotifyConfig.from_settings(SimpleNamespace()) == NotifyConfig()
    configured = NotifyConfig.from_settings(
        SimpleNamespace(
            notify_gateway="live",
            notify_sms_url="https://sms.example/send",
            notify_sms_token=SimpleNamespace(get_secret_value=lambda: "t0ken"),
            notify_sms_per_hour=2,
            notify_smtp_port=2525,
        )
    )
    assert configured.gateway_mode == "live"
    assert configured.sms_url == "https://sms.example/send"
    assert configured.sms_token == "t0ken"  # noqa: S105 - a test value
    assert configured.rate_limits[Channel.SMS] == RateLimit(2, dt.timedelta(hours=1))
    assert configured.rate_limits[Channel.EMAIL] == RateLimit(20, dt.timedelta(hours=1))
    assert configured.smtp_port == 2525

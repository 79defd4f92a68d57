"""The 好差评 vocabulary (pure): levels, channels with their GB/T 39734/39735 indicators, statuses, rates.

Five levels (国办发〔2019〕51号): 非常满意 ★5, 满意 ★4, 基本满意 ★3, 不满意 ★2, 非常不满意 ★1. 好评 = 满意 + 非常满意;
差评 = 不满意 + 非常不满意, and every 差评 must be rectified within 15 working days, followed by a callback (回访).
Online evaluation (政务服务网/APP/小程序) rates 办事效率、办事指南精确度、办事便捷度、平台操作性; offline evaluation
(大厅评价器、自助终端、窗口) rates 服务效率、服务水平、服务态度 — both besides the overall satisfaction (the level).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from yiwang.kernel.errors import ValidationError

RECTIFICATION_WORKING_DAYS = 15
"""差评整改: 15 个工作日内整改到位."""


class Level(enum.IntEnum):
    """Overall satisfaction (整体满意度), stored as 1–5."""

    VERY_DISSATISFIED = 1
    DISSATISFIED = 2
    BASIC = 3
    SATISFIED = 4
    VERY_SATISFIED = 5

    @property
    def label(self) -> str:
        """Chinese name."""
        return LEVEL_LABELS[self]

    @property
    def is_good(self) -> bool:
        """好评: 满意 or 非常满意."""
        return self >= Level.SATISFIED

    @property
    def is_bad(self) -> bool:
        """差评: 不满意 or 非常不满意."""
        return self <= Level.DISSATISFIED


LEVEL_LABELS: dict[Level, str] = {
    Level.VERY_SATISFIED: "非常满意",
    Level.SATISFIED: "满意",
    Level.BASIC: "基本满意",
    Level.DISSATISFIED: "不满意",
    Level.VERY_DISSATISFIED: "非常不满意",
}


class RatingChannel(enum.StrEnum):
    """Where the rating was given."""

    ONLINE = "online"
    OFFLINE = "offline"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {"online": "线上评价", "offline": "线下评价"}[self.value]

    @property
    def standard(self) -> str:
        """The national standard whose indicators apply."""
        return {"online": "GB/T 39734-2020", "offline": "GB/T 39735-2020"}[self.value]


INDICATORS: dict[RatingChannel, dict[str, str]] = {
    RatingChannel.ONLINE: {
        "efficiency": "办事效率",
        "guide_accuracy": "办事指南精确度",
        "convenience": "办事便捷度",
        "usability": "平台操作性",
    },
    RatingChannel.OFFLINE: {
        "efficiency": "服务效率",
        "competence": "服务水平",
        "attitude": "服务态度",
    },
}
"""Per-channel indicators scored 1–5 besides the overall level (key → Chinese name)."""


class RectificationStatus(enum.StrEnum):
    """差评整改: open (待整改) → rectified (已整改，待回访) → closed (已办结); an unsatisfied callback reopens."""

    OPEN = "open"
    RECTIFIED = "rectified"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {"open": "待整改", "rectified": "已整改待回访", "closed": "已办结"}[self.value]


class ResponseKind(enum.StrEnum):
    """How the responsible unit dealt with a bad rating."""

    IMMEDIATE = "immediate"
    SCHEDULED = "scheduled"
    EXPLAINED = "explained"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {"immediate": "立行立改", "scheduled": "限期整改", "explained": "解释说明"}[self.value]


class Resolution(enum.StrEnum):
    """Why a rectification was closed."""

    CALLBACK_SATISFIED = "callback_satisfied"
    APPEAL_ACCEPTED = "appeal_accepted"
    RATING_REVISED = "rating_revised"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {
            "callback_satisfied": "回访满意",
            "appeal_accepted": "申诉成立",
            "rating_revised": "评价人已改评",
        }[self.value]


class AppealStatus(enum.StrEnum):
    """申诉复核 of a rating the unit considers false (误评、不实差评)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {"pending": "待复核", "accepted": "申诉成立", "rejected": "申诉不成立"}[self.value]


class CallbackMethod(enum.StrEnum):
    """How the rater was reached for the callback."""

    PHONE = "phone"
    SMS = "sms"
    ONLINE = "online"
    VISIT = "visit"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {"phone": "电话回访", "sms": "短信回访", "online": "网上回访", "visit": "上门回访"}[self.value]


def parse_level(value: Any, *, field: str = "level") -> Level:
    """A level from 1–5; a Chinese :class:`ValidationError` otherwise.

    Examples:
        >>> parse_level("2").label
        '不满意'
    """
    try:
        return Level(int(value))
    except (TypeError, ValueError):
        raise ValidationError("评价等级应为 1–5（非常不满意…非常满意）", field=field) from None


def parse_channel(value: Any) -> RatingChannel:
    """``online`` or ``offline``."""
    try:
        return RatingChannel(str(value))
    except ValueError:
        raise ValidationError("评价渠道应为 online（线上）或 offline（线下）", field="channel") from None


def check_indicators(channel: RatingChannel, scores: Mapping[str, Any] | None) -> dict[str, int]:
    """Validate per-indicator scores for the channel; unknown indicators and out-of-range scores are refused.

    Examples:
        >>> check_indicators(RatingChannel.OFFLINE, {"attitude": 5})
        {'attitude': 5}
    """
    known = INDICATORS[channel]
    checked: dict[str, int] = {}
    for key, value in (scores or {}).items():
        if value is None or value == "":
            continue  # not every indicator has to be scored
        if key not in known:
            names = "、".join(f"{name}（{k}）" for k, name in known.items())
            raise ValidationError(f"{channel.label}没有指标 {key}，可评指标：{names}", field=f"indicators.{key}")
        checked[key] = int(parse_level(value, field=f"indicators.{key}"))
    return checked


def ratio(numerator: int, denominator: int) -> float | None:
    """A share between 0 and 1, or None when there is nothing to divide by.

    Examples:
        >>> ratio(1, 4), ratio(0, 0)
        (0.25, None)
    """
    return numerator / denominator if denominator else None

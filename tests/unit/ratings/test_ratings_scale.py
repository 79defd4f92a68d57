"""The 好差评 vocabulary: levels, indicators per channel, labels and rates (pure)."""

from __future__ import annotations

import pytest

from yiwang.kernel.errors import ValidationError
from yiwang.ratings.scale import (
    INDICATORS,
    AppealStatus,
    Level,
    RatingChannel,
    RectificationStatus,
    ResponseKind,
    check_indicators,
    parse_channel,
    parse_level,
    ratio,
)


def test_five_levels_with_good_and_bad() -> None:
    assert [level.label for level in sorted(Level, reverse=True)] == [
        "非常满意",
        "满意",
        "基本满意",
        "不满意",
        "非常不满意",
    ]
    assert [level for level in Level if level.is_good] == [Level.SATISFIED, Level.VERY_SATISFIED]
    assert [level for level in Level if level.is_bad] == [Level.VERY_DISSATISFIED, Level.DISSATISFIED]
    assert not Level.BASIC.is_good
    assert not Level.BASIC.is_bad


def test_channels_name_their_standard_and_indicators() -> None:
    assert RatingChannel.ONLINE.standard == "GB/T 39734-2020"
    assert RatingChannel.OFFLINE.standard == "GB/T 39735-2020"
    assert list(INDICATORS[RatingChannel.ONLINE].values()) == ["办事效率", "办事指南精确度", "办事便捷度", "平台操作性"]
    assert list(INDICATORS[RatingChannel.OFFLINE].values()) == ["服务效率", "服务水平", "服务态度"]


@pytest.mark.parametrize("value", [0, 6, "五", None, 2.5j])
def test_parse_level_refuses_out_of_range(value: object) -> None:
    with pytest.raises(ValidationError, match="评价等级应为 1–5"):
        parse_level(value)


def test_parse_level_and_channel() -> None:
    assert parse_level("4") is Level.SATISFIED
    assert parse_channel("offline") is RatingChannel.OFFLINE
    with pytest.raises(ValidationError) as error:
        parse_channel("phone")
    assert error.value.field == "channel"


def test_indicators_skip_blanks_and_refuse_other_channels() -> None:
    assert check_indicators(RatingChannel.ONLINE, {"efficiency": "5", "usability": "", "convenience": None}) == {
        "efficiency": 5
    }
    assert check_indicators(RatingChannel.ONLINE, None) == {}
    with pytest.raises(ValidationError) as error:
        check_indicators(RatingChannel.ONLINE, {"attitude": 5})
    assert error.value.field == "indicators.attitude"
    assert "办事效率（efficiency）" in error.value.message


def test_status_labels() -> None:
    assert [status.label for status in RectificationStatus] == ["待整改", "已整改待回访", "已办结"]
    assert [kind.label for kind in ResponseKind] == ["立行立改", "限期整改", "解释说明"]
    assert [status.label for status in AppealStatus] == ["待复核", "申诉成立", "申诉不成立"]


def test_ratio() -> None:
    assert ratio(3, 4) == 0.75
    assert ratio(0, 0) is None

"""Emergency redirects, urgency floors and self-declared appeal types (pure rules)."""

from __future__ import annotations

import pytest

from yiwang.hotline.triage import rules


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("锦江区东湖街道我们小区3栋着火了，楼道里全是烟，快来人", "119"),
        ("厂房那边突然爆炸了，火很大", "119"),
        ("春熙路地铁口有人拿着刀在砍人", "110"),
        ("楼下有人正在撬门，好像是小偷", "110"),
        ("我爸刚才在家里晕倒了，叫不醒", "120"),
        ("工地上有工人从架子上掉下来，流了好多血", "120"),
        ("刚才在天府大道和一辆车追尾了，没有人受伤", "122"),
        ("二环高架上两辆车相撞了，堵了一大片", "122"),
    ],
)
def test_emergencies_are_redirected_to_their_number(text: str, number: str) -> None:
    redirect = rules.detect_redirect(text)
    assert redirect is not None
    assert redirect.number == number
    assert redirect.evidence in text
    assert redirect.reason.endswith(f"{number} 消防救援") or number in redirect.reason


@pytest.mark.parametrize(
    "text",
    [
        "楼上邻居开派对到凌晨三点，音乐声吵得睡不着",
        "武侯区玉林北路的路灯坏了一个星期，晚上很黑",
        "小区消防通道被私家车堵死了，万一着火消防车进不来",
        "举报一家商场火灾隐患严重，灭火器都过期了",
        "上个月我的电瓶车在小区门口被偷了，派出所一直没有结果",
        "请问家里老人摔倒了应该怎么申请居家养老服务",
        "去年发生车祸以后保险公司一直不理赔",
        "单位组织消防演练的时候发现安全出口被锁了",
    ],
)
def test_non_emergencies_stay_with_12345(text: str) -> None:
    assert rules.detect_redirect(text) is None


def test_a_fire_outranks_an_injury() -> None:
    redirect = rules.detect_redirect("厨房着火了，我妈手烫伤了在流血")
    assert redirect is not None
    assert redirect.number == "119"


def test_no_harm_silences_only_the_ambulance() -> None:
    assert rules.detect_redirect("没有人受伤") is None
    redirect = rules.detect_redirect("我的车被追尾了没有人受伤")
    assert redirect is not None
    assert redirect.number == "122"


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("楼道里有很重的天然气味道", "特急"),
        ("电梯卡在两层中间，里面有人被困", "特急"),
        ("小区从早上开始停水，没有任何通知", "紧急"),
        ("井盖没了，就剩一个洞", "紧急"),
        ("建议在公园多放几张长椅", "一般"),
    ],
)
def test_urgency_floor(text: str, urgency: str) -> None:
    assert rules.urgency_floor(text)[0] == urgency


def test_max_urgency_orders_by_severity() -> None:
    assert rules.max_urgency("一般", "特急", "紧急") == "特急"


@pytest.mark.parametrize(
    ("text", "appeal_type"),
    [
        ("我要举报楼下的黑作坊", "举报"),
        ("表扬一下社区的王医生，服务特别好", "表扬"),
        ("建议在地铁站增加共享单车停放点", "建议"),
        ("请问社保卡怎么补办", "咨询"),
        ("我要投诉这家店的服务态度", "投诉"),
    ],
)
def test_declared_types(text: str, appeal_type: str) -> None:
    declared = rules.declared_type(text)
    assert declared is not None
    assert declared[0] == appeal_type


def test_a_thank_you_at_the_end_of_a_complaint_is_no_praise() -> None:
    assert rules.declared_type("路灯坏了很久了，麻烦尽快修一下，谢谢") is None

"""The shipped template catalogue and its validation (pure)."""

from __future__ import annotations

import pytest

from yiwang.notify.catalog import CatalogError, Channel, OutboxStatus, parse_catalog, shipped_catalog

REQUIRED = {
    "application_accepted": "事项受理通知",
    "deadline_reminder": "办理时限提醒（催办）",
    "overdue_supervision": "超期督办通知",
    "completed": "办结通知",
    "rating_invitation": "评价邀请",
    "bad_rating_rectification": "差评整改通知",
    "callback_reminder": "回访提醒",
}


def test_shipped_catalogue_has_every_required_template_on_every_channel() -> None:
    catalog = shipped_catalog()
    assert catalog.sms_signature == "【成都一网】"
    for key, name in REQUIRED.items():
        assert catalog.names[key] == name
        for channel in Channel:
            text = catalog.get(key, channel)
            assert text is not None, (key, channel)
            assert text.body
            assert bool(text.title) == (channel is not Channel.SMS)


def test_labels() -> None:
    assert [channel.label for channel in Channel] == ["短信", "电子邮件", "站内消息"]
    assert OutboxStatus.DEAD.label == "发送失败已放弃"


def _doc(**channel: object) -> dict[str, object]:
    return {"templates": [{"key": "k", "name": "名称", "variables": ["a"], "channels": channel}]}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({}, "顶层应包含 templates 列表"),
        ({"templates": [{"key": "k"}]}, "templates[0]: 需要 key 和 name"),
        (_doc(), "templates[0].channels: 至少需要一个渠道"),
        (_doc(fax={"body": "x"}), "templates[0].channels.fax: 未知渠道"),
        (_doc(sms={"body": ""}), "templates[0].channels.sms.body: 缺少正文"),
        (_doc(sms={"body": "{{ a"}), "templates[0].channels.sms.body: 模板语法错误"),
        (_doc(sms={"body": "{{ b }}"}), "templates[0].channels.sms: 使用了未声明的变量 b"),
        (
            {"templates": [{"key": "k", "name": "n", "version": 0, "channels": {"sms": {"body": "x"}}}]},
            "版本号应为正整数",
        ),
    ],
)
def test_catalogue_errors_name_the_path(document: object, message: str) -> None:
    with pytest.raises(CatalogError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_catalog(document)


def test_duplicate_keys_are_refused() -> None:
    entry = {"key": "k", "name": "n", "channels": {"sms": {"body": "x"}}}
    with pytest.raises(CatalogError, match=r"templates\[1\].key: 模板 k 重复"):
        parse_catalog({"templates": [entry, entry]})

"""Channels, delivery statuses and the shipped template catalogue (``templates.yaml``), validated on load."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from yiwang.kernel.errors import ValidationError
from yiwang.notify import rendering

CATALOG_FILE = Path(__file__).resolve().parent / "templates.yaml"


class Channel(StrEnum):
    """How a message reaches its recipient."""

    SMS = "sms"
    EMAIL = "email"
    INAPP = "inapp"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {"sms": "短信", "email": "电子邮件", "inapp": "站内消息"}[self.value]


class OutboxStatus(StrEnum):
    """Lifecycle of an outbox row: pending → sending → sent, or failed (retried later) → … → dead."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {
            "pending": "待发送",
            "sending": "发送中",
            "sent": "已发送",
            "failed": "发送失败待重试",
            "dead": "发送失败已放弃",
        }[self.value]

    @property
    def tone(self) -> str:
        """Badge colour on pages."""
        return {"pending": "info", "sending": "info", "sent": "ok", "failed": "warn", "dead": "danger"}[self.value]


@dataclass(frozen=True)
class TemplateText:
    """One version of one template on one channel."""

    key: str
    name: str
    channel: Channel
    version: int
    title: str
    body: str
    source: str  # "shipped" (templates.yaml) or "published" (database)


@dataclass(frozen=True)
class Catalog:
    """The shipped templates: key → channel → text, plus the SMS signature every SMS starts with."""

    sms_signature: str
    names: dict[str, str]
    texts: dict[tuple[str, Channel], TemplateText]

    def get(self, key: str, channel: Channel) -> TemplateText | None:
        """The shipped text of a template on a channel, if any."""
        return self.texts.get((key, channel))


class CatalogError(ValueError):
    """The template catalogue is malformed; the message names the path of the fault."""


def parse_catalog(document: Any, *, source: str = "templates.yaml") -> Catalog:
    """Validate a catalogue document; errors name the path (``templates[2].channels.sms.body``)."""
    if not isinstance(document, dict) or not isinstance(document.get("templates"), list):
        raise CatalogError(f"{source}: 顶层应包含 templates 列表")
    names: dict[str, str] = {}
    texts: dict[tuple[str, Channel], TemplateText] = {}
    for index, entry in enumerate(document["templates"]):
        where = f"{source}: templates[{index}]"
        if not isinstance(entry, dict) or not entry.get("key") or not entry.get("name"):
            raise CatalogError(f"{where}: 需要 key 和 name")
        key = str(entry["key"])
        if key in names:
            raise CatalogError(f"{where}.key: 模板 {key} 重复")
        names[key] = str(entry["name"])
        for text in _parse_channels(entry, where=where):
            texts[(key, text.channel)] = text
    return Catalog(sms_signature=str(document.get("sms_signature") or ""), names=names, texts=texts)


def _parse_channels(entry: dict[str, Any], *, where: str) -> list[TemplateText]:
    key, name, version = str(entry["key"]), str(entry["name"]), entry.get("version", 1)
    if not isinstance(version, int) or version < 1:
        raise CatalogError(f"{where}.version: 版本号应为正整数")
    declared = set(entry.get("variables") or [])
    channels = entry.get("channels")
    if not isinstance(channels, dict) or not channels:
        raise CatalogError(f"{where}.channels: 至少需要一个渠道")
    texts = []
    for channel_name, text in channels.items():
        path = f"{where}.channels.{channel_name}"
        try:
            channel = Channel(channel_name)
        except ValueError:
            raise CatalogError(f"{path}: 未知渠道（可选 sms/email/inapp）") from None
        if not isinstance(text, dict) or not text.get("body"):
            raise CatalogError(f"{path}.body: 缺少正文")
        title = "" if channel is Channel.SMS else str(text.get("title") or "")
        used: set[str] = set()
        for field, value in (("title", title), ("body", str(text["body"]))):
            try:
                used |= rendering.check_syntax(value, field=field)
            except ValidationError as exc:
                raise CatalogError(f"{path}.{field}: {exc.message}") from exc
        if declared and not used <= declared:
            raise CatalogError(f"{path}: 使用了未声明的变量 {'、'.join(sorted(used - declared))}")
        texts.append(
            TemplateText(
                key=key,
                name=name,
                channel=channel,
                version=version,
                title=title,
                body=str(text["body"]),
                source="shipped",
            )
        )
    return texts


@functools.cache
def shipped_catalog() -> Catalog:
    """The catalogue shipped with the package (read once per process)."""
    return parse_catalog(yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8")))

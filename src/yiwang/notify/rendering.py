"""Template rendering in a Jinja2 sandbox, missing-variable checks and SMS length accounting (pure).

Templates are written by platform staff, so they are rendered in a :class:`~jinja2.sandbox.SandboxedEnvironment`
(no attribute access to Python internals) with :class:`~jinja2.StrictUndefined`. Before rendering, every variable
the template refers to is compared with the supplied ones, so a message is either complete or refused with the
missing names — never half-rendered.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from yiwang.kernel.errors import ValidationError

SMS_SINGLE_SEGMENT = 70
"""A Chinese (UCS-2) SMS carries 70 characters in one segment."""

SMS_CONCAT_SEGMENT = 67
"""Each part of a long (concatenated) Chinese SMS carries 67 characters: 3 go to the reassembly header."""

SMS_GSM_SINGLE_SEGMENT = 160
SMS_GSM_CONCAT_SEGMENT = 153
SMS_MAX_SEGMENTS = 10
"""Carriers refuse or truncate longer messages; a template that renders longer is an error, not a surprise bill."""

_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€")  # each costs two septets (escape + character)

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


@dataclass(frozen=True)
class Rendered:
    """A rendered message: title (empty for SMS) and body, ready for a gateway."""

    title: str
    body: str


@dataclass(frozen=True)
class SmsLength:
    """How an SMS text is billed: characters counted, encoding and number of segments."""

    characters: int
    encoding: str  # "ucs2" (Chinese) or "gsm7" (plain Latin text)
    segments: int


def check_syntax(source: str, *, field: str) -> frozenset[str]:
    """Parse a template; return the variables it uses or raise a Chinese :class:`ValidationError`.

    Examples:
        >>> sorted(check_syntax("{{ a }}，{{ b or '无' }}", field="body"))
        ['a', 'b']
    """
    try:
        ast = _ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise ValidationError(f"模板语法错误（第 {exc.lineno} 行）：{exc.message}", field=field) from exc
    return frozenset(meta.find_undeclared_variables(ast))


def missing_variables(sources: Mapping[str, str], variables: Mapping[str, Any]) -> list[str]:
    """Variables used by any of the sources (title, body…) but not supplied, in a stable order."""
    used: set[str] = set()
    for field, source in sources.items():
        used |= check_syntax(source, field=field)
    return sorted(name for name in used if name not in variables)


def render(*, key: str, title: str, body: str, variables: Mapping[str, Any]) -> Rendered:
    """Render title and body with ``variables``; refuse up front when any variable is missing.

    Examples:
        >>> render(key="t", title="", body="办件{{ no }}已受理", variables={"no": "A1"}).body
        '办件A1已受理'
    """
    missing = missing_variables({"title": title, "body": body}, variables)
    if missing:
        raise ValidationError(f"通知模板 {key} 缺少变量：{'、'.join(missing)}", field="variables")
    try:
        rendered_title = _ENV.from_string(title).render(variables) if title else ""
        rendered_body = _ENV.from_string(body).render(variables)
    except TemplateError as exc:  # e.g. an attribute of a supplied variable that does not exist
        raise ValidationError(f"通知模板 {key} 渲染失败：{exc}", field="variables") from exc
    return Rendered(title=" ".join(rendered_title.split()), body=rendered_body.strip())


def sms_length(text: str) -> SmsLength:
    """Count an SMS the way carriers bill it.

    Text with any Chinese (non-GSM) character is sent as UCS-2: 70 characters fit one segment, longer texts are
    split into 67-character parts. Characters outside the Basic Multilingual Plane (emoji) take two UCS-2 units.
    Plain Latin text uses the GSM 7-bit alphabet: 160 in one segment, 153 per part.

    Examples:
        >>> sms_length("【成都一网】" + "好" * 64)
        SmsLength(characters=70, encoding='ucs2', segments=1)
        >>> sms_length("【成都一网】" + "好" * 65).segments
        2
        >>> sms_length("A" * 161)
        SmsLength(characters=161, encoding='gsm7', segments=2)
    """
    if all(char in _GSM_BASIC or char in _GSM_EXTENDED for char in text):
        septets = sum(2 if char in _GSM_EXTENDED else 1 for char in text)
        single, part, units = SMS_GSM_SINGLE_SEGMENT, SMS_GSM_CONCAT_SEGMENT, septets
        encoding = "gsm7"
    else:
        units = sum(2 if ord(char) > 0xFFFF else 1 for char in text)  # noqa: PLR2004 - outside the BMP
        single, part = SMS_SINGLE_SEGMENT, SMS_CONCAT_SEGMENT
        encoding = "ucs2"
    segments = 1 if units <= single else math.ceil(units / part)
    return SmsLength(characters=units, encoding=encoding, segments=segments)


def check_sms(text: str, *, key: str) -> SmsLength:
    """The SMS length of ``text``; a :class:`ValidationError` when it exceeds :data:`SMS_MAX_SEGMENTS`."""
    length = sms_length(text)
    if length.segments > SMS_MAX_SEGMENTS:
        raise ValidationError(
            f"通知模板 {key} 生成的短信有 {length.characters} 字，超过 {SMS_MAX_SEGMENTS} 条（每条 "
            f"{SMS_CONCAT_SEGMENT} 字）的上限，请缩短内容",
            field="variables",
        )
    return length

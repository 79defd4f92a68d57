"""Chinese messages for request-validation errors (pydantic's error types), so a 422 never speaks English."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_TEMPLATES: Mapping[str, str] = {
    "missing": "必填项，请填写",
    "string_type": "应为文本",
    "string_too_short": "至少需要 {min_length} 个字符",
    "string_too_long": "不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数，不能带小数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "decimal_max_places": "小数位不能超过 {decimal_places} 位",
    "bool_type": "应为是或否（true/false）",
    "bool_parsing": "应为是或否（true/false）",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "date_type": "应为日期（如 2026-11-28）",
    "date_parsing": "日期格式不正确，应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式不正确，应为 YYYY-MM-DD",
    "datetime_type": "应为日期时间（如 2026-11-28T09:00:00+08:00）",
    "datetime_parsing": "日期时间格式不正确",
    "datetime_from_date_parsing": "日期时间格式不正确",
    "enum": "可选值：{expected}",
    "literal_error": "可选值：{expected}",
    "list_type": "应为列表",
    "dict_type": "应为对象（键值对）",
    "model_type": "应为对象（键值对）",
    "json_invalid": "不是有效的 JSON",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "不能超过 {max_length} 项",
    "extra_forbidden": "不认识的字段，请删除",
    "url_parsing": "网址格式不正确",
    "url_scheme": "网址协议不正确",
    "uuid_parsing": "编号格式不正确",
}


def chinese_message(error: Mapping[str, Any]) -> str:
    """The Chinese message of one pydantic error (``type``, ``msg``, ``ctx``); unknown types keep their text."""
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    if kind == "value_error":
        # Our own validators raise Chinese messages; pydantic prefixes them with "Value error, ".
        message = str(error.get("msg", ""))
        return message.removeprefix("Value error, ") or "取值不正确"
    if kind == "assertion_error":
        return str(error.get("msg", "")).removeprefix("Assertion failed, ") or "取值不正确"
    template = _TEMPLATES.get(kind)
    if template is None:
        return f"格式不正确：{error.get('msg', '')}"
    try:
        return template.format(**{key: _display(value) for key, value in ctx.items()})
    except (KeyError, IndexError):
        return template.split("{", 1)[0].rstrip("：: ") or "格式不正确"


def _display(value: object) -> str:
    text = str(value)
    # pydantic lists choices as "'a', 'b' or 'c'"; show them the Chinese way.
    return text.replace("'", "").replace(" or ", "、").replace(", ", "、")

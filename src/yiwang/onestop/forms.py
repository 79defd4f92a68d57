"""Application forms: validate the answers against the item's JSON Schema with field-level Chinese messages.

Pure (jsonschema). Each problem names the form field (``contact.phone``) and says in Chinese what is wrong, using
the field's ``title`` from the schema. :class:`FormErrors` carries every problem; the API answers 422 with all of
them, callers that show one message use the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from yiwang.kernel.errors import ValidationError

TYPE_LABELS = {
    "string": "文本",
    "integer": "整数",
    "number": "数字",
    "boolean": "是/否",
    "array": "列表",
    "object": "对象",
}


class FormErrors(ValidationError):  # noqa: N818 - reads as what it carries
    """The form breaks its schema; ``errors`` lists ``{"field", "message"}`` for every problem."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        first = errors[0]
        super().__init__(f"申请表有 {len(errors)} 处需要修改：{first['message']}", field=f"form_data.{first['field']}")
        self.errors = errors

    def details(self) -> list[dict[str, str | None]]:
        """One API error body per problem (``field`` prefixed with ``form_data.``)."""
        return [{"code": "invalid", "field": f"form_data.{e['field']}", "message": e["message"]} for e in self.errors]


def _title(schema: Mapping[str, Any], path: list[str | int]) -> str:
    node: Any = schema
    for part in path:
        if isinstance(part, int):
            node = node.get("items", {}) if isinstance(node, Mapping) else {}
            continue
        node = node.get("properties", {}).get(part, {}) if isinstance(node, Mapping) else {}
    title = node.get("title") if isinstance(node, Mapping) else None
    return str(title or (path[-1] if path else "申请表"))


def _message(error: SchemaError, schema: Mapping[str, Any]) -> tuple[str, str]:  # noqa: C901, PLR0911 - one keyword a line
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in str(error.message) else ""
        full = [*path, missing]
        return ".".join(str(p) for p in full), f"请填写「{_title(schema, full)}」"
    field = ".".join(str(p) for p in path) or "form_data"
    title = _title(schema, path)
    value: Any = error.validator_value
    if error.validator == "type":
        expected = value if isinstance(value, str) else "/".join(value)
        return field, f"「{title}」应为{TYPE_LABELS.get(expected, expected)}"
    if error.validator == "maxLength":
        return field, f"「{title}」不能超过 {value} 个字"
    if error.validator == "minLength":
        return field, f"「{title}」至少 {value} 个字" if value > 1 else f"请填写「{title}」"
    if error.validator == "pattern":
        return field, f"「{title}」格式不正确"
    if error.validator == "enum":
        return field, f"「{title}」应为以下之一：{'、'.join(str(v) for v in value)}"
    if error.validator in {"minimum", "exclusiveMinimum"}:
        return field, f"「{title}」不能小于 {value}"
    if error.validator in {"maximum", "exclusiveMaximum"}:
        return field, f"「{title}」不能大于 {value}"
    if error.validator == "format":
        return field, f"「{title}」不是有效的{value}格式"
    if error.validator == "additionalProperties":
        return field, "申请表包含未定义的字段"
    return field, f"「{title}」填写不正确"


def validate_form(schema: Mapping[str, Any], data: Mapping[str, Any]) -> None:
    """Raise :class:`FormErrors` listing every problem of ``data`` against ``schema`` (nothing when valid)."""
    if not schema:
        return
    validator = Draft202012Validator(dict(schema))
    problems = sorted(validator.iter_errors(dict(data)), key=lambda e: [str(p) for p in e.absolute_path])
    if not problems:
        return
    errors: list[dict[str, str]] = []
    seen: set[str] = set()
    for problem in problems:
        field, message = _message(problem, schema)
        if field in seen:
            continue
        seen.add(field)
        errors.append({"field": field, "message": message})
    raise FormErrors(errors)


def form_fields(schema: Mapping[str, Any]) -> list[str]:
    """Top-level field names of a form schema, in declared order."""
    properties = schema.get("properties")
    return list(properties) if isinstance(properties, Mapping) else []


def strip_unknown(schema: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Only the fields the schema declares (autosaved drafts never store anything else)."""
    fields = form_fields(schema)
    if not fields:
        return dict(data)
    return {k: v for k, v in data.items() if k in fields}

"""Pure catalogue logic: validating item and bundle bodies, waiver reasons, merging a bundle's items, body hashes.

No I/O: callers pass in the department directory and the known item codes. Every problem is reported as a
:class:`FieldError` with a dotted field path (``materials.2.cert_type``) and a Chinese message, all problems at once,
so an admin sees the whole list in the editor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import jsonschema
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from yiwang.catalogue.codes import CERT_TYPES, FACT_ROOTS, ITEM_TYPES, LIFE_EVENTS, SHARED_REFS
from yiwang.catalogue.schemas import (
    MATERIAL_SOURCE_LABELS,
    Baseline,
    BundleIn,
    BundleItem,
    FieldError,
    ItemIn,
    MaterialOut,
    MaterialSource,
    MaterialSpec,
)

FIELD_LABELS: dict[str, str] = {
    "code": "编码",
    "name": "名称",
    "item_type": "事项类型",
    "item_type_code": "事项类型代码",
    "department": "实施部门",
    "level": "行使层级",
    "handling": "办件类型",
    "statutory_days": "法定办结时限",
    "promised_days": "承诺办结时限",
    "conditions": "受理条件",
    "fee_yuan": "收费金额",
    "fee_note": "收费说明",
    "result_type": "结果证照类型",
    "result_name": "审批结果名称",
    "subject": "服务对象",
    "form_schema": "申请表结构",
    "prefill": "预填规则",
    "materials": "申请材料",
    "instant_rules": "秒批规则",
    "commitment": "告知承诺",
    "life_events": "人生事件",
    "keywords": "关键词",
    "baseline": "四个减基线",
    "legal_basis": "设定依据",
    "required": "是否必需",
    "source": "获取方式",
    "shared_ref": "共享数据项",
    "shared_department": "共享数据部门",
    "cert_type": "证照类型",
    "from_item": "前序事项",
    "copies": "份数",
    "note": "说明",
    "id": "规则编号",
    "description": "说明",
    "fact": "事实路径",
    "op": "运算符",
    "value": "比较值",
    "message": "不通过提示",
    "allowed": "是否允许承诺",
    "text": "承诺内容",
    "post_check_days": "核查期限",
    "check_department": "核查部门",
    "steps": "办理环节",
    "trips": "跑动次数",
    "days": "办理时间",
    "baseline_source": "基线依据",
    "lead_department": "牵头部门",
    "items": "成员事项",
    "life_event": "人生事件",
    "tags": "标注",
}

COMPARISON_OPS = frozenset({">=", "<=", ">", "<"})
SOURCE_PRIORITY = {
    MaterialSource.EARLIER_STEP: 0,
    MaterialSource.SHARED_DATA: 1,
    MaterialSource.E_CERTIFICATE: 2,
    MaterialSource.UPLOAD: 3,
}
"""When a bundle's items obtain the same material differently, the one asking least of the applicant wins."""


class CatalogueInvalid(Exception):  # noqa: N818 - a domain outcome, not a programming error
    """Raised by the pure checks; services turn it into a 422 with every field error."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = list(errors)


# --- hashing -------------------------------------------------------------------------------------------------


def _json_default(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    message = f"cannot hash {type(value).__name__}"
    raise TypeError(message)


def canonical_body(model: BaseModel) -> dict[str, Any]:
    """The body as stored: JSON-compatible, Decimals as strings, defaults included (so hashes are stable)."""
    result: dict[str, Any] = json.loads(json.dumps(model.model_dump(mode="json"), default=_json_default))
    return result


def body_hash(body: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no whitespace, UTF-8)."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- pydantic errors in Chinese ------------------------------------------------------------------------------


def _label(loc: Sequence[str | int]) -> str:
    parts = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"第{part + 1}项")
        else:
            parts.append(FIELD_LABELS.get(part, part))
    return "·".join(parts)


def _chinese(error: Mapping[str, Any]) -> str:  # noqa: C901, PLR0911, PLR0912 - one message per pydantic error type
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "必填"
    if kind == "extra_forbidden":
        return "不认识的字段，请删除或检查拼写"
    if kind == "string_too_short":
        return f"至少需要 {ctx.get('min_length')} 个字符"
    if kind == "string_too_long":
        return f"不能超过 {ctx.get('max_length')} 个字符"
    if kind == "string_pattern_mismatch":
        return f"格式不正确（应符合 {ctx.get('pattern')}）"
    if kind in {"literal_error", "enum"}:
        return f"取值必须为 {ctx.get('expected')} 之一"
    if kind in {"greater_than_equal", "greater_than"}:
        return f"不能小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind in {"less_than_equal", "less_than"}:
        return f"不能大于 {ctx.get('le', ctx.get('lt'))}"
    if kind == "too_short":
        return f"至少需要 {ctx.get('min_length')} 项"
    if kind.startswith(("int", "decimal", "float")):
        return "应为数字"
    if kind.startswith("bool"):
        return "应为 true 或 false"
    if kind.startswith("string"):
        return "应为文本"
    if kind.startswith("list"):
        return "应为列表"
    if kind.startswith(("dict", "model")):
        return "应为对象（键值结构）"
    return f"格式不正确（{error.get('msg', '')}）"


def pydantic_errors(exc: PydanticValidationError, *, prefix: str = "") -> list[FieldError]:
    """Pydantic's errors as field-level Chinese messages (``field`` = dotted path, message names the field)."""
    result = []
    for error in exc.errors():
        loc: list[str | int] = list(error.get("loc", ()))
        field = ".".join(str(part) for part in loc) or "body"
        label = _label(loc) or "内容"
        result.append(FieldError(field=prefix + field, message=f"{label}：{_chinese(error)}"))
    return result


# --- items ---------------------------------------------------------------------------------------------------


def parse_item(data: Mapping[str, Any], *, departments: Mapping[str, str], item_codes: set[str]) -> ItemIn:
    """Parse and check one item body; raise :class:`CatalogueInvalid` with every problem found."""
    try:
        item = ItemIn.model_validate(data)
    except PydanticValidationError as exc:
        raise CatalogueInvalid(pydantic_errors(exc)) from None
    errors = check_item(item, departments=departments, item_codes=item_codes)
    if errors:
        raise CatalogueInvalid(errors)
    return item


def check_item(  # noqa: C901 - one check a line
    item: ItemIn, *, departments: Mapping[str, str], item_codes: set[str]
) -> list[FieldError]:
    """The rules beyond the shape: codes exist, the form is valid JSON Schema, pre-fills and materials add up."""
    errors: list[FieldError] = []

    def err(field: str, message: str) -> None:
        errors.append(FieldError(field=field, message=message))

    expected_type = ITEM_TYPES.get(item.item_type_code)
    if expected_type is None:
        err("item_type_code", f"事项类型代码：{item.item_type_code} 不在国家事项类型代码表中")
    elif expected_type != item.item_type:
        err("item_type", f"事项类型：代码 {item.item_type_code} 对应「{expected_type}」，与「{item.item_type}」不一致")
    if item.department not in departments:
        err("department", f"实施部门：部门代码 {item.department} 不在部门目录中")
    elif item.code.split("-")[2] != item.department:
        err("code", f"编码：第三段应为实施部门代码 {item.department}")
    if item.code.split("-")[1] != item.item_type_code:
        err("code", f"编码：第二段应为事项类型代码 {item.item_type_code}")
    _check_time_limits(item, err)
    if item.result_type is not None:
        if item.result_type not in CERT_TYPES:
            err("result_type", f"结果证照类型：{item.result_type} 不在证照类型目录中")
        if not item.result_name:
            err("result_name", "审批结果名称：有结果证照时必填")
    fields = _check_form(item.form_schema, "form_schema", err)
    for field_name, fact in item.prefill.items():
        if fields is not None and field_name not in fields:
            err(f"prefill.{field_name}", f"预填规则：表单中没有字段「{field_name}」")
        _check_fact(fact, f"prefill.{field_name}", "预填规则", err)
    _check_materials(item, departments=departments, item_codes=item_codes, err=err)
    _check_rules(item, err)
    if item.commitment is not None and item.commitment.check_department not in departments:
        err("commitment.check_department", f"告知承诺·核查部门：部门代码 {item.commitment.check_department} 不存在")
    _check_life_events(item.life_events, item.subject, "life_events", err)
    return errors


def _check_time_limits(item: ItemIn, err: Any) -> None:
    if item.handling == "instant" and item.promised_days != 0:
        err("promised_days", "承诺办结时限：即办件当场办结，应为 0")
    if item.handling == "promised" and item.promised_days < 1:
        err("promised_days", "承诺办结时限：承诺件至少 1 个工作日")
    if item.statutory_days and item.promised_days > item.statutory_days:
        err("promised_days", f"承诺办结时限：不能超过法定时限 {item.statutory_days} 个工作日")


def _check_form(schema: Mapping[str, Any], field: str, err: Any) -> set[str] | None:
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        path = ".".join(str(part) for part in exc.path)
        err(field + (f".{path}" if path else ""), f"申请表结构：不是有效的 JSON Schema（{exc.message}）")
        return None
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        err(field, "申请表结构：顶层应为 type: object 并列出 properties")
        return None
    properties: dict[str, Any] = schema["properties"]
    for name, spec in properties.items():
        if not isinstance(spec, dict) or not str(spec.get("title") or "").strip():
            err(f"{field}.properties.{name}", f"申请表字段「{name}」：缺少中文标题 title")
    for name in schema.get("required") or []:
        if name not in properties:
            err(f"{field}.required", f"申请表结构：必填字段「{name}」未在 properties 中定义")
    return set(properties)


def _check_fact(fact: str, field: str, label: str, err: Any) -> None:
    root = fact.split(".", 1)[0]
    if root not in FACT_ROOTS or "." not in fact:
        roots = "、".join(FACT_ROOTS)
        err(field, f"{label}：事实路径「{fact}」应以 {roots} 之一开头，如 applicant.name")


def _check_materials(  # noqa: C901 - one check a line
    item: ItemIn, *, departments: Mapping[str, str], item_codes: set[str], err: Any
) -> None:
    seen: set[str] = set()
    for index, material in enumerate(item.materials):
        at = f"materials.{index}"
        label = f"申请材料第{index + 1}项「{material.name}」"
        if material.code in seen:
            err(f"{at}.code", f"{label}：材料代码 {material.code} 重复")
        seen.add(material.code)
        source = material.source
        allowed = {
            MaterialSource.SHARED_DATA: {"shared_ref", "shared_department"},
            MaterialSource.E_CERTIFICATE: {"cert_type"},
            MaterialSource.EARLIER_STEP: {"from_item"},
            MaterialSource.UPLOAD: set(),
        }[source]
        for name in ("shared_ref", "shared_department", "cert_type", "from_item"):
            value = getattr(material, name)
            if value is not None and name not in allowed:
                source_label = MATERIAL_SOURCE_LABELS[source]
                err(f"{at}.{name}", f"{label}：获取方式为「{source_label}」时不应填写{FIELD_LABELS[name]}")
            if value is None and name in allowed:
                err(
                    f"{at}.{name}",
                    f"{label}：获取方式为「{MATERIAL_SOURCE_LABELS[source]}」时必须填写{FIELD_LABELS[name]}",
                )
        if material.shared_ref is not None and material.shared_ref not in SHARED_REFS:
            known = "、".join(SHARED_REFS)
            err(f"{at}.shared_ref", f"{label}：共享数据项 {material.shared_ref} 不存在（可选：{known}）")
        if material.shared_department is not None and material.shared_department not in departments:
            err(f"{at}.shared_department", f"{label}：部门代码 {material.shared_department} 不在部门目录中")
        if material.cert_type is not None and material.cert_type not in CERT_TYPES:
            err(f"{at}.cert_type", f"{label}：证照类型 {material.cert_type} 不在证照类型目录中")
        if material.from_item is not None and (material.from_item == item.code or material.from_item not in item_codes):
            err(f"{at}.from_item", f"{label}：前序事项 {material.from_item} 不存在")
        if source == MaterialSource.UPLOAD and material.copies < 1:
            err(f"{at}.copies", f"{label}：需上传的材料至少 1 份")


def _check_rules(item: ItemIn, err: Any) -> None:
    seen: set[str] = set()
    for index, rule in enumerate(item.instant_rules):
        at = f"instant_rules.{index}"
        label = f"秒批规则第{index + 1}条"
        if rule.id in seen:
            err(f"{at}.id", f"{label}：规则编号 {rule.id} 重复")
        seen.add(rule.id)
        _check_fact(rule.fact, f"{at}.fact", label, err)
        if rule.op in {"exists", "not_exists"} and rule.value is not None:
            err(f"{at}.value", f"{label}：运算符 {rule.op} 不需要比较值")
        if rule.op in {"in", "not_in"} and not isinstance(rule.value, list):
            err(f"{at}.value", f"{label}：运算符 {rule.op} 的比较值应为列表")
        if rule.op in COMPARISON_OPS and (isinstance(rule.value, bool) or not isinstance(rule.value, int | float)):
            err(f"{at}.value", f"{label}：运算符 {rule.op} 的比较值应为数字")
        if rule.op in {"==", "!="} and rule.value is None:
            err(f"{at}.value", f"{label}：运算符 {rule.op} 需要比较值")


def _check_life_events(events: Sequence[str], subject: str, field: str, err: Any) -> None:
    for index, code in enumerate(events):
        event = LIFE_EVENTS.get(code)
        if event is None:
            err(f"{field}.{index}", f"人生事件：{code} 不在人生事件目录中（可选：{'、'.join(LIFE_EVENTS)}）")
        elif event[1] != subject:
            err(f"{field}.{index}", f"人生事件：「{event[0]}」属于{_subject_label(event[1])}事项，与服务对象不一致")


def _subject_label(subject: str) -> str:
    return "个人" if subject == "person" else "企业"


# --- materials shown -----------------------------------------------------------------------------------------


def waiver_reason(
    material: MaterialSpec, *, department_names: Mapping[str, str], item_names: Mapping[str, str]
) -> str | None:
    """Why the applicant need not provide the material (减证明), or None when it must be uploaded."""
    if material.source == MaterialSource.SHARED_DATA:
        holder = department_names.get(material.shared_department or "", material.shared_department or "有关部门")
        what = SHARED_REFS.get(material.shared_ref or "", "")
        return f"免提交：由{holder}共享" + (f"（{what}）" if what else "")
    if material.source == MaterialSource.E_CERTIFICATE:
        return f"免提交：调用电子证照（{CERT_TYPES.get(material.cert_type or '', material.cert_type)}）"
    if material.source == MaterialSource.EARLIER_STEP:
        earlier = item_names.get(material.from_item or "", material.from_item or "前序事项")
        return f"免提交：由前序事项「{earlier}」的办理结果自动取得"
    return None


def material_view(
    material: MaterialSpec,
    *,
    department_names: Mapping[str, str],
    item_names: Mapping[str, str],
    used_by: Sequence[str] = (),
) -> MaterialOut:
    """The material with its source label and waiver reason, as pages and applications show it."""
    reason = waiver_reason(material, department_names=department_names, item_names=item_names)
    return MaterialOut(
        **material.model_dump(),
        source_label=MATERIAL_SOURCE_LABELS[material.source],
        waived=reason is not None,
        waiver_reason=reason,
        used_by=list(used_by),
    )


# --- bundles -------------------------------------------------------------------------------------------------


def parse_bundle(data: Mapping[str, Any], *, departments: Mapping[str, str], items: Mapping[str, ItemIn]) -> BundleIn:
    """Parse and check one bundle body against the items it merges; raise :class:`CatalogueInvalid`."""
    try:
        bundle = BundleIn.model_validate(data)
    except PydanticValidationError as exc:
        raise CatalogueInvalid(pydantic_errors(exc)) from None
    errors = check_bundle(bundle, departments=departments, items=items)
    if errors:
        raise CatalogueInvalid(errors)
    return bundle


def check_bundle(bundle: BundleIn, *, departments: Mapping[str, str], items: Mapping[str, ItemIn]) -> list[FieldError]:
    """A bundle's items exist, serve the same subject, do not repeat, and their forms merge without conflicts."""
    errors: list[FieldError] = []

    def err(field: str, message: str) -> None:
        errors.append(FieldError(field=field, message=message))

    if bundle.lead_department not in departments:
        err("lead_department", f"牵头部门：部门代码 {bundle.lead_department} 不在部门目录中")
    if len(set(bundle.items)) != len(bundle.items):
        err("items", "成员事项：事项编码重复")
    members = []
    for index, code in enumerate(bundle.items):
        item = items.get(code)
        if item is None:
            err(f"items.{index}", f"成员事项：事项 {code} 不存在或已停用")
            continue
        if item.subject != bundle.subject:
            err(f"items.{index}", f"成员事项：「{item.name}」的服务对象与一件事不一致")
        members.append(item)
    _check_life_events([bundle.life_event], bundle.subject, "life_event", err)
    if len({item.department for item in members}) < 2 and len(members) == len(bundle.items):  # noqa: PLR2004
        err("items", "成员事项：一件事应涉及至少两个部门的事项")
    for field, message in _form_conflicts(members):
        err(field, message)
    return errors


def _form_conflicts(members: Sequence[ItemIn]) -> list[tuple[str, str]]:
    seen: dict[str, tuple[str, Any]] = {}
    conflicts = []
    for item in members:
        for name, spec in (item.form_schema.get("properties") or {}).items():
            kind = spec.get("type") if isinstance(spec, dict) else None
            if name in seen and seen[name][1] != kind:
                conflicts.append(
                    ("items", f"成员事项：表单字段「{name}」在「{seen[name][0]}」与「{item.name}」中的类型不一致")
                )
            seen.setdefault(name, (item.name, kind))
    return conflicts


def _fact_producer(fact: str, producers: Mapping[str, str]) -> str | None:
    """The member item whose result provides a fact.

    ``certificates.X.*`` comes from the item issuing X; the new enterprise's ``enterprise.uscc`` from the item
    issuing the business licence.
    """
    parts = fact.split(".")
    if parts[0] == "certificates" and len(parts) > 1:
        return producers.get(parts[1])
    if fact == "enterprise.uscc":
        return producers.get("business_licence")
    return None


def earlier_fields(members: Sequence[ItemIn]) -> dict[str, str]:
    """Form fields a member's result fills in a bundle (field → producing item).

    E.g. the USCC of the enterprise being set up in the same bundle: the applicant cannot know it when applying,
    so it is not asked.
    """
    producers = {item.result_type: item.code for item in members if item.result_type}
    result: dict[str, str] = {}
    for item in members:
        for field, fact in item.prefill.items():
            producer = _fact_producer(fact, producers)
            if producer is not None and producer != item.code:
                result.setdefault(field, producer)
    return result


def merge_form(bundle_name: str, members: Sequence[ItemIn]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """One form for the bundle, and which items use each field.

    The union of the items' fields de-duplicated by name (first definition wins), required if any item requires
    it — except fields an earlier member's result fills (:func:`earlier_fields`).
    """
    properties: dict[str, Any] = {}
    required: list[str] = []
    field_items: dict[str, list[str]] = {}
    filled_later = earlier_fields(members)
    for item in members:
        schema = item.form_schema
        for name, spec in (schema.get("properties") or {}).items():
            properties.setdefault(name, spec)
            field_items.setdefault(name, []).append(item.code)
        for name in schema.get("required") or []:
            if name not in required and name not in filled_later:
                required.append(name)
    merged: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": bundle_name,
        "type": "object",
        "properties": properties,
    }
    if required:
        merged["required"] = required
    return merged, field_items


def merge_materials(members: Sequence[ItemIn]) -> tuple[list[tuple[MaterialSpec, list[str]]], dict[str, list[str]]]:
    """One set of materials: de-duplicated by code; a certificate another member issues becomes an earlier step.

    Returns the merged materials with the items using each, and each item's dependencies (the members whose
    results it needs).
    """
    results = {item.result_type: item.code for item in members if item.result_type}
    codes = {item.code for item in members}
    merged: dict[str, MaterialSpec] = {}
    used_by: dict[str, list[str]] = {}
    depends: dict[str, list[str]] = {item.code: [] for item in members}
    for item in members:
        for material in item.materials:
            spec = material
            issued_here = material.source == MaterialSource.E_CERTIFICATE
            producer = results.get(material.cert_type or "") if issued_here else None
            if producer is not None and producer != item.code:
                spec = material.model_copy(
                    update={"source": MaterialSource.EARLIER_STEP, "cert_type": None, "from_item": producer}
                )
            if (
                spec.source == MaterialSource.EARLIER_STEP
                and spec.from_item in codes
                and spec.from_item != item.code
                and spec.from_item not in depends[item.code]
            ):
                depends[item.code].append(spec.from_item or "")
            current = merged.get(spec.code)
            if current is None or SOURCE_PRIORITY[spec.source] < SOURCE_PRIORITY[current.source]:
                keep_required = spec.required or (current.required if current else False)
                copies = max(spec.copies, current.copies if current else 0)
                merged[spec.code] = spec.model_copy(update={"required": keep_required, "copies": copies})
            elif spec.required and not current.required:
                merged[spec.code] = current.model_copy(update={"required": True})
            used_by.setdefault(spec.code, []).append(item.code)
    return [(spec, used_by[code]) for code, spec in merged.items()], depends


def sum_baseline(members: Sequence[ItemIn]) -> Baseline:
    """What the applicant did before: every item separately, one after another."""
    return Baseline(
        steps=sum(item.baseline.steps for item in members),
        trips=sum(item.baseline.trips for item in members),
        days=sum(item.baseline.days for item in members),
        materials=sum(item.baseline.materials for item in members),
        baseline_source="各成员事项分别办理的基线合计（见各事项办事指南）",
    )


def critical_path_days(members: Sequence[ItemIn], depends: Mapping[str, Sequence[str]]) -> int:
    """Promised working days when the items run in parallel: the longest chain of dependent items."""
    days = {item.code: item.promised_days for item in members}
    memo: dict[str, int] = {}

    def finish(code: str, trail: frozenset[str]) -> int:
        if code in memo:
            return memo[code]
        before = [finish(dep, trail | {code}) for dep in depends.get(code, ()) if dep in days and dep not in trail]
        memo[code] = days[code] + max(before, default=0)
        return memo[code]

    return max((finish(code, frozenset()) for code in days), default=0)


def bundle_items(
    members: Sequence[ItemIn], depends: Mapping[str, Sequence[str]], *, department_names: Mapping[str, str]
) -> list[BundleItem]:
    """The member items as a bundle guide lists them."""
    return [
        BundleItem(
            code=item.code,
            name=item.name,
            department=item.department,
            department_name=department_names.get(item.department, item.department),
            handling=item.handling,
            promised_days=item.promised_days,
            result_type=item.result_type,
            result_name=item.result_name,
            instant=bool(item.instant_rules),
            depends_on=list(depends.get(item.code, ())),
        )
        for item in members
    ]

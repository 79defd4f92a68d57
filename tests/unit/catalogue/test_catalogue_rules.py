"""Pure catalogue rules: the shipped data validates, errors are field-level Chinese, bundles merge as promised."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from yiwang.catalogue import rules
from yiwang.catalogue.codes import CERT_TYPES
from yiwang.catalogue.schemas import BundleIn, ItemIn, MaterialSource, MaterialSpec
from yiwang.registry.reads import DEPARTMENTS_FILE

DATA = Path(rules.__file__).resolve().parent / "data"
DEPARTMENTS = {
    entry["code"]: entry["short"]
    for entry in yaml.safe_load(DEPARTMENTS_FILE.read_text(encoding="utf-8"))["departments"]
}


@functools.cache
def _loaded_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for path in sorted((DATA / "items").glob("*.yaml")):
        items += yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)["items"]
    return items


def _raw_items() -> list[dict[str, Any]]:
    return copy.deepcopy(_loaded_items())


def _raw_bundles() -> list[dict[str, Any]]:
    bundles: list[dict[str, Any]] = yaml.safe_load((DATA / "bundles.yaml").read_text(encoding="utf-8"))["bundles"]
    return bundles


@pytest.fixture(scope="module")
def shipped() -> tuple[dict[str, ItemIn], dict[str, BundleIn]]:
    raw = _raw_items()
    codes = {entry["code"] for entry in raw}
    items = {entry["code"]: rules.parse_item(entry, departments=DEPARTMENTS, item_codes=codes) for entry in raw}
    bundles = {
        entry["code"]: rules.parse_bundle(entry, departments=DEPARTMENTS, items=items) for entry in _raw_bundles()
    }
    return items, bundles


def test_every_shipped_item_and_bundle_validates_and_the_catalogue_is_big_enough(
    shipped: tuple[dict[str, ItemIn], dict[str, BundleIn]],
) -> None:
    items, bundles = shipped
    assert len(items) >= 30
    assert len({item.department for item in items.values()}) >= 10
    assert len(items) == len(_raw_items())  # no duplicate codes
    assert {b.name for b in bundles.values()} >= {
        "开办餐饮店",
        "新生儿出生",
        "企业员工五险一金登记",
        "退休",
        "二手房转移登记及水电气联合过户",
        "开办运输企业",
        "企业信息变更",
    }
    for bundle in bundles.values():
        assert len({items[code].department for code in bundle.items}) >= 2, bundle.name
    restaurant = bundles["yjs-restaurant"]
    assert len({items[code].department for code in restaurant.items}) == 5
    for item in items.values():
        if item.result_type:
            assert item.result_type in CERT_TYPES


def test_most_materials_are_waived_and_the_ride_hailing_item_has_instant_rules(
    shipped: tuple[dict[str, ItemIn], dict[str, BundleIn]],
) -> None:
    items, _ = shipped
    materials = [m for item in items.values() for m in item.materials]
    waived = [m for m in materials if m.source != MaterialSource.UPLOAD]
    assert len(waived) / len(materials) > 0.75
    driver = next(item for item in items.values() if item.name == "网络预约出租汽车驾驶员证核发")
    facts = {rule.fact for rule in driver.instant_rules}
    assert {"applicant.age", "records.driving_licence.years_held", "records.criminal.count"} <= facts
    assert any(item.commitment is not None for item in items.values())


def test_the_restaurant_bundle_needs_no_upload_and_the_licence_comes_from_the_first_step(
    shipped: tuple[dict[str, ItemIn], dict[str, BundleIn]],
) -> None:
    items, bundles = shipped
    members = [items[code] for code in bundles["yjs-restaurant"].items]
    merged, depends = rules.merge_materials(members)
    by_code = {spec.code: (spec, used) for spec, used in merged}
    assert not [spec for spec, _ in merged if spec.source == MaterialSource.UPLOAD and spec.required]
    licence, used_by = by_code["business_licence"]
    assert licence.source == MaterialSource.EARLIER_STEP
    assert licence.from_item == "510100-01-market-001"
    assert len(used_by) >= 5  # one material for every item that needs the licence
    assert "510100-01-market-001" in depends["510100-01-market-002"]
    form, field_items = rules.merge_form("开办餐饮店", members)
    assert len(form["properties"]) == len(set(form["properties"]))
    assert len(field_items["enterprise_name"]) == len(members)
    assert "uscc" not in form["required"]  # the new enterprise's code comes from the licence
    assert rules.earlier_fields(members)["uscc"] == "510100-01-market-001"
    baseline = rules.sum_baseline(members)
    assert baseline.steps == sum(m.baseline.steps for m in members)
    assert rules.critical_path_days(members, depends) < baseline.days


def test_waiver_reasons_name_the_department_or_the_certificate() -> None:
    names = {"police": "市公安局"}
    shared = MaterialSpec(
        code="id_card", name="身份证", source=MaterialSource.SHARED_DATA, shared_ref="record:certificate",
        shared_department="police",
    )  # fmt: skip
    cert = MaterialSpec(code="lic", name="营业执照", source=MaterialSource.E_CERTIFICATE, cert_type="business_licence")
    upload = MaterialSpec(code="photo", name="照片", source=MaterialSource.UPLOAD)
    assert rules.waiver_reason(shared, department_names=names, item_names={}) == "免提交：由市公安局共享（证照记录）"
    assert rules.waiver_reason(cert, department_names=names, item_names={}) == "免提交：调用电子证照（营业执照）"
    assert rules.waiver_reason(upload, department_names=names, item_names={}) is None


def _first_item() -> dict[str, Any]:
    return copy.deepcopy(next(e for e in _raw_items() if e["code"] == "510100-01-market-002"))


def _errors(body: dict[str, Any]) -> dict[str, str]:
    codes = {e["code"] for e in _raw_items()}
    with pytest.raises(rules.CatalogueInvalid) as caught:
        rules.parse_item(body, departments=DEPARTMENTS, item_codes=codes)
    return {error.field: error.message for error in caught.value.errors}


def test_shape_errors_are_reported_per_field_in_chinese() -> None:
    body = _first_item()
    del body["name"]
    body["statutory_days"] = "二十"
    body["handling"] = "fast"
    body["unknown"] = 1
    errors = _errors(body)
    assert errors["name"] == "名称：必填"
    assert errors["statutory_days"] == "法定办结时限：应为数字"
    assert errors["handling"].startswith("办件类型：取值必须为")
    assert "不认识的字段" in errors["unknown"]


def test_semantic_errors_are_reported_per_field_in_chinese() -> None:
    body = _first_item()
    body["department"] = "nowhere"
    body["item_type"] = "行政确认"
    body["promised_days"] = 30
    body["prefill"]["no_such_field"] = "applicant.name"
    body["materials"][0]["source"] = "upload"  # an upload that still names a certificate type
    body["materials"][1]["shared_department"] = "nowhere"
    body["life_events"] = ["birth"]
    errors = _errors(body)
    assert "部门代码 nowhere 不在部门目录中" in errors["department"]
    assert "与「行政确认」不一致" in errors["item_type"]
    assert errors["promised_days"] == "承诺办结时限：不能超过法定时限 20 个工作日"
    assert errors["prefill.no_such_field"] == "预填规则：表单中没有字段「no_such_field」"
    assert "不应填写证照类型" in errors["materials.0.cert_type"]
    assert "部门代码 nowhere" in errors["materials.1.shared_department"]
    assert "与服务对象不一致" in errors["life_events.0"]


def test_an_invalid_json_schema_is_refused() -> None:
    body = _first_item()
    body["form_schema"]["properties"]["business_area_m2"]["type"] = "decimal"
    del body["form_schema"]["properties"]["food_safety_manager"]["title"]
    errors = _errors(body)
    assert "不是有效的 JSON Schema" in next(v for k, v in errors.items() if k.startswith("form_schema"))


def test_a_form_field_without_a_chinese_title_is_refused() -> None:
    body = _first_item()
    del body["form_schema"]["properties"]["food_safety_manager"]["title"]
    errors = _errors(body)
    message = errors["form_schema.properties.food_safety_manager"]
    assert message == "申请表字段「food_safety_manager」：缺少中文标题 title"


def test_rules_need_values_of_the_right_kind() -> None:
    body = copy.deepcopy(next(e for e in _raw_items() if e["code"] == "510100-01-transport-002"))
    body["instant_rules"][1]["value"] = "二十一"
    body["instant_rules"][0]["value"] = 1
    body["instant_rules"][2]["fact"] = "age"
    errors = _errors(body)
    assert errors["instant_rules.1.value"] == "秒批规则第2条：运算符 >= 的比较值应为数字"
    assert errors["instant_rules.0.value"] == "秒批规则第1条：运算符 exists 不需要比较值"
    assert "事实路径「age」" in errors["instant_rules.2.fact"]


def test_bundle_checks_items_subject_and_departments() -> None:
    raw = _raw_items()
    codes = {e["code"] for e in raw}
    items = {e["code"]: rules.parse_item(e, departments=DEPARTMENTS, item_codes=codes) for e in raw}
    body = {
        "code": "yjs-bad",
        "name": "错误的一件事",
        "subject": "person",
        "lead_department": "market",
        "items": ["510100-01-market-001", "510100-01-market-003", "510100-99-none-001"],
        "life_event": "start",
    }
    with pytest.raises(rules.CatalogueInvalid) as caught:
        rules.parse_bundle(body, departments=DEPARTMENTS, items=items)
    messages = [error.message for error in caught.value.errors]
    assert any("事项 510100-99-none-001 不存在" in m for m in messages)
    assert any("服务对象与一件事不一致" in m for m in messages)
    assert any("「开办」属于企业事项" in m for m in messages)


def test_body_hash_is_stable_and_sensitive() -> None:
    item = ItemIn.model_validate(_first_item())
    body = rules.canonical_body(item)
    assert rules.body_hash(body) == rules.body_hash(rules.canonical_body(ItemIn.model_validate(body)))
    changed = {**body, "promised_days": 4}
    assert rules.body_hash(changed) != rules.body_hash(body)

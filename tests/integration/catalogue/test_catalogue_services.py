"""Catalogue services on a real database: loading, versions, conflicts, access, search, bundles."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.orm import Session

from yiwang.catalogue import services
from yiwang.catalogue.schemas import ItemIn
from yiwang.identity.errors import PermissionDeniedError
from yiwang.kernel.actor import SYSTEM_ACTOR, Actor
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError

FOOD = "510100-01-market-002"


def _body(session: Session, code: str = FOOD) -> dict[str, Any]:
    item = services.get_item(session, code)
    return ItemIn.model_validate(item.model_dump(include=set(ItemIn.model_fields))).model_dump(mode="json")


def test_the_shipped_catalogue_is_loaded_and_reloading_publishes_nothing(session: Session) -> None:
    counts = services.catalogue_counts(session)
    assert counts["items"] >= 30
    assert counts["departments"] >= 10
    assert counts["bundles"] >= 7
    report = services.load_catalogue(session, actor=SYSTEM_ACTOR)
    assert report.items_published == []
    assert report.bundles_published == []
    assert report.items_unchanged == counts["items"]
    assert [v.version for v in services.item_history(session, FOOD)] == [1]


def test_an_edit_publishes_a_new_version_and_old_versions_stay_readable(session: Session, market_staff: Actor) -> None:
    body = _body(session)
    body["promised_days"] = 3
    saved = services.save_item(session, actor=market_staff, body=body, expected_version=1, note="压缩承诺时限")
    assert saved.version == 2
    assert saved.promised_days == 3
    assert services.get_item(session, FOOD, version=1).promised_days == 5
    history = services.item_history(session, FOOD)
    assert [(v.version, v.note) for v in history] == [(2, "压缩承诺时限"), (1, "载入：items/market.yaml")]
    again = services.save_item(session, actor=market_staff, body=body, expected_version=2)
    assert again.version == 2  # unchanged body: no new version
    # Reloading the unchanged shipped files keeps the administrator's edit.
    assert services.load_catalogue(session, actor=SYSTEM_ACTOR).items_published == []
    assert services.get_item(session, FOOD).promised_days == 3


def test_a_stale_edit_is_a_conflict(session: Session, market_staff: Actor, admin: Actor) -> None:
    body = _body(session)
    body["promised_days"] = 4
    services.save_item(session, actor=admin, body=body, expected_version=1)
    body["promised_days"] = 2
    with pytest.raises(ConflictError) as caught:
        services.save_item(session, actor=market_staff, body=body, expected_version=1)
    assert "第 2 版" in caught.value.message
    assert services.get_item(session, FOOD).promised_days == 4


def test_only_admins_and_the_items_department_may_edit(
    session: Session, market_staff: Actor, police_staff: Actor, citizen: Actor
) -> None:
    body = _body(session)
    body["promised_days"] = 4
    with pytest.raises(PermissionDeniedError):
        services.save_item(session, actor=citizen, body=body, expected_version=1)
    with pytest.raises(PermissionDeniedError):
        services.save_item(session, actor=police_staff, body=body, expected_version=1)
    moved = {**body, "department": "police", "code": "510100-01-police-099"}
    with pytest.raises(PermissionDeniedError):  # market staff cannot create items for the police either
        services.save_item(session, actor=market_staff, body=moved, expected_version=0)
    assert services.editable_departments(session, actor=police_staff) == {"police"}
    assert services.editable_departments(session, actor=citizen) == set()
    assert services.get_item(session, FOOD).version == 1


def test_validation_errors_are_field_level_and_nothing_is_written(session: Session, admin: Actor) -> None:
    body = _body(session)
    body["department"] = "nowhere"
    body["statutory_days"] = -1
    with pytest.raises(services.CatalogueValidationError) as caught:
        services.save_item(session, actor=admin, body=body, expected_version=1)
    fields = {error.field: error.message for error in caught.value.errors}
    assert fields["statutory_days"] == "法定办结时限：不能小于 0"
    assert caught.value.status_code == 422
    assert services.get_item(session, FOOD).version == 1


def test_create_and_retire(session: Session, admin: Actor) -> None:
    body = _body(session)
    body.update(code="510100-01-market-099", name="测试许可事项", keywords=["测试专用词"])
    created = services.save_item(session, actor=admin, body=body, expected_version=0)
    assert created.version == 1
    with pytest.raises(ConflictError):
        services.save_item(session, actor=admin, body=body, expected_version=0)
    assert services.search(session, "测试专用词").items[0].code == created.code
    with pytest.raises(ValidationError):
        services.retire_item(session, actor=admin, code=created.code, expected_version=1, reason=" ")
    retired = services.retire_item(session, actor=admin, code=created.code, expected_version=1, reason="事项已取消")
    assert retired.status == "retired"
    assert retired.version == 2
    assert not services.search(session, "测试专用词").items
    assert services.list_items(session, q="测试专用词").total == 0
    assert services.list_items(session, q="测试专用词", include_retired=True).total == 1
    with pytest.raises(ConflictError):
        services.retire_item(session, actor=admin, code=created.code, expected_version=2, reason="再次停用")


def test_a_changed_file_publishes_a_new_version_and_a_bad_directory_writes_nothing(
    session: Session, tmp_path: Path
) -> None:
    source = tmp_path / "data"
    shutil.copytree(services.DATA_DIR, source)
    market = source / "items" / "market.yaml"
    document = yaml.safe_load(market.read_text(encoding="utf-8"))
    document["items"][1]["promised_days"] = 4
    market.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = services.load_catalogue(session, actor=SYSTEM_ACTOR, source_dir=source)
    assert report.items_published == [FOOD]
    assert services.get_item(session, FOOD).version == 2

    document["items"][1]["department"] = "nowhere"
    document["items"][0]["promised_days"] = 2
    market.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(services.CatalogueValidationError) as caught:
        services.load_catalogue(session, actor=SYSTEM_ACTOR, source_dir=source)
    assert caught.value.errors[0].field == "items/market.yaml#2.department"
    assert services.get_item(session, "510100-01-market-001").version == 1


def test_search_by_keyword_and_life_event(session: Session) -> None:
    found = services.search(session, "营业执照")
    assert found.items[0].code == "510100-01-market-001"
    assert services.search(session, "新生儿").bundles[0].code == "yjs-newborn"
    assert services.search(session, "开个餐馆").bundles[0].code == "yjs-restaurant"
    assert services.search(session, "网约车").items[0].name == "网络预约出租汽车驾驶员证核发"
    births = services.list_items(session, life_event="birth")
    assert {item.department for item in births.items} >= {"health", "police", "medins", "hrss"}
    assert services.list_bundles(session, life_event="birth").items[0].code == "yjs-newborn"
    assert services.list_items(session, subject="enterprise", department="tax").total >= 2
    events = {event.code: event for event in services.life_events(session)}
    assert events["birth"].bundles == 1
    assert events["start"].items >= 5
    with pytest.raises(ValidationError):
        services.search(session, "  ")
    with pytest.raises(ValidationError):
        services.list_items(session, life_event="moon")


def test_pagination(session: Session) -> None:
    first = services.list_items(session, page=1, page_size=10)
    second = services.list_items(session, page=2, page_size=10)
    assert first.total >= 30
    assert first.pages == -(-first.total // 10)
    assert not {i.code for i in first.items} & {i.code for i in second.items}
    with pytest.raises(ValidationError):
        services.list_items(session, page_size=1000)


def test_bundle_merges_one_form_and_one_set_of_materials(session: Session) -> None:
    bundle = services.get_bundle(session, "yjs-restaurant")
    assert len(bundle.departments) == 5
    assert bundle.status == "published"
    codes = [m.code for m in bundle.materials]
    assert len(codes) == len(set(codes))
    licence = next(m for m in bundle.materials if m.code == "business_licence")
    assert licence.waiver_reason == "免提交：由前序事项「企业设立登记」的办理结果自动取得"
    assert not [m for m in bundle.materials if m.required and not m.waived]
    assert bundle.baseline is not None
    assert bundle.baseline.trips > len(bundle.items)
    assert bundle.merged_promised_days < bundle.baseline.days
    assert "uscc" in bundle.earlier_fields
    with pytest.raises(NotFoundError):
        services.get_bundle(session, "yjs-nothing")
    with pytest.raises(NotFoundError):
        services.get_item(session, FOOD, version=9)


def test_item_guide_data_for_applications(session: Session) -> None:
    driver = services.get_item(session, "510100-01-transport-002")
    assert driver.instant
    assert driver.result_type == "ride_hailing_driver_licence"
    assert all(m.waived for m in driver.material_views)
    assert driver.material_views[1].waiver_reason == "免提交：由市公安局共享（证照记录）"
    food = services.get_item(session, FOOD)
    assert food.commitment is not None
    assert food.bundles == ["yjs-restaurant"]

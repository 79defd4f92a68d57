"""Masking of personal data for display (kernel.masking)."""

import pytest

from yiwang.kernel.masking import mask_address, mask_id_number, mask_name, mask_phone


def test_id_number_keeps_area_code_and_last_four():
    assert mask_id_number("510107199003071236") == "510107********1236"


def test_id_number_empty_and_short():
    assert mask_id_number(None) == ""
    assert mask_id_number("") == ""
    assert mask_id_number("12345") == "****5"


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("028-85551234", "028-****1234"),
        ("02885551234", "028****1234"),
        ("", ""),
        ("1234567", "*******"),
    ],
)
def test_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("成都市武侯区玉林街道玉林北路12号3栋2单元", "成都市武侯区玉林街道****"),
        ("四川省成都市双流区华阳街道天府大道南段88号", "四川省成都市双流区华阳街道****"),
        ("成都市郫都区犀浦镇国宁西路1号", "成都市郫都区犀浦镇****"),
        ("成都市青羊区西御街3号", "成都市青羊区****"),
        ("成都市高新区天府大道中段1号", "成都市高新区****"),
        ("玉林北路12号", "****"),
        ("成都市武侯区", "成都市武侯区"),
        (None, ""),
    ],
)
def test_address_keeps_administrative_part(address, masked):
    assert mask_address(address) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("王小明", "王**"),
        ("欧阳娜娜", "欧阳**"),
        ("司马光", "司马*"),
        ("欧阳", "欧*"),
        ("买买提·艾力", "买买提·**"),
        ("张", "*"),
        ("", ""),
    ],
)
def test_name_keeps_surname(name, masked):
    assert mask_name(name) == masked


def test_masked_address_never_contains_house_number():
    masked = mask_address("成都市锦江区春熙路街道总府路2号附5号")
    assert "2号" not in masked
    assert masked.startswith("成都市锦江区春熙路街道")

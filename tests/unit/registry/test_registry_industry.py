"""GB/T 4754 industry table and the section/division consistency check."""

import pytest

from yiwang.kernel.errors import ValidationError
from yiwang.registry.industry import (
    DIVISION_NAMES,
    SECTIONS,
    division_name,
    section_name,
    section_of_division,
    validate_industry,
)


def test_sections_partition_divisions_without_gaps():
    covered = [code for section in SECTIONS for code in section.division_codes()]
    assert covered == [f"{n:02d}" for n in range(1, 98)]
    assert set(DIVISION_NAMES) == set(covered)
    assert [section.code for section in SECTIONS] == list("ABCDEFGHIJKLMNOPQRST")


def test_names():
    assert section_name("H") == "住宿和餐饮业"
    assert division_name("62") == "餐饮业"
    assert division_name("65") == "软件和信息技术服务业"
    assert section_name("Z") == "Z"
    section = section_of_division("36")
    assert section is not None
    assert section.code == "C"


def test_valid_pairs_are_normalised():
    assert validate_industry("h", "62") == ("H", "62")
    assert validate_industry("A", "5") == ("A", "05")


@pytest.mark.parametrize(
    ("section", "division", "field", "fragment"),
    [
        ("Z", "62", "行业门类", "应为 GB/T 4754 门类字母 A–T"),
        ("H", "98", "行业大类", "01–97"),
        ("H", "xx", "行业大类", "01–97"),
        ("I", "62", "行业大类", "属于门类 H（住宿和餐饮业），与行业门类 I（信息传输、软件和信息技术服务业）不一致"),
    ],
)
def test_invalid_pairs_name_the_field(section, division, field, fragment):
    with pytest.raises(ValidationError) as caught:
        validate_industry(section, division)
    assert caught.value.field == field
    assert field in caught.value.message
    assert fragment in caught.value.message

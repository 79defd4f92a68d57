"""Reading import files: encodings, file types, header matching, cell parsing and row rules (no database)."""

import datetime as dt
import doctest
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from yiwang.kernel import masking
from yiwang.kernel.errors import ValidationError
from yiwang.registry import importers, industry, profiles
from yiwang.registry.kinds import KINDS, PENALTY, RECORD_KINDS, SUBJECT_USCC
from yiwang.registry.models import RECORD_MODELS

TODAY = dt.date(2025, 6, 1)
HEADER = (
    "行政相对人名称,统一社会信用代码,行政处罚决定书文号,违法行为类型,处罚类别,罚款金额（万元）,处罚决定日期,处罚机关"
)
ROW = (
    "成都示例科技有限公司,91510107MA6CAB1262,成武市监罚〔2025〕1号,违反食品安全管理规定,罚款,0.5,2025-03-18,"
    "成都市武侯区市场监督管理局"
)


BILINGUAL_HEADERS = (
    "*统一社会信用代码 Unified Social Credit Identifier",
    "行政处罚决定书文号 Administrative Penalty Decision Document Number",
    "违法行为类型",
    "处罚类别 Penalty Type",
    "罚款金额(万元) Fine Amount, 10k Yuan",
    "处罚决定日期",
    "处罚机关",
)


def csv_text(*lines: str) -> str:
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("module", [masking, industry, importers, profiles])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.failed == 0
    assert result.attempted > 0


def test_catalogue_covers_every_model_and_aliases_are_unambiguous():
    assert set(RECORD_KINDS) == set(RECORD_MODELS)
    for spec in KINDS.values():
        names = [importers.normalize_header(n) for c in spec.columns for n in (c.header, *c.aliases)]
        assert len(names) == len(set(names)), spec.kind
        for column in spec.columns:
            if not column.field.startswith("_"):
                assert hasattr(spec.model, column.field), (spec.kind, column.field)


def parse(text: str, *, encoding: str = "utf-8", filename: str = "f.csv"):
    table = importers.read_table(text.encode(encoding), filename, PENALTY)
    header_map = importers.map_headers(PENALTY, table.headers)
    return table, header_map, importers.parse_rows(PENALTY, table, header_map, today=TODAY)


@pytest.mark.parametrize(
    ("encoding", "expected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")]
)
def test_encodings_are_detected(encoding, expected):
    table, _, (rows, errors) = parse(f"{HEADER}\n{ROW}\n", encoding=encoding)
    assert table.encoding == expected
    assert errors == []
    assert rows[0].values["violation_type"] == "违反食品安全管理规定"


def test_fine_in_wan_yuan_is_converted_to_yuan_and_title_row_skipped():
    table, header_map, (rows, errors) = parse(f"成都市行政处罚信息公示表（合成示例）\n{HEADER}\n{ROW}\n")
    assert errors == []
    assert table.header_row == 2
    assert rows[0].row == 3
    assert rows[0].values["fine_amount"] == Decimal("5000.00")
    assert rows[0].subject_code == "91510107MA6CAB1262"
    assert header_map.header_of("fine_amount") == "罚款金额（万元）"


def test_bilingual_and_starred_headers_and_tabs():
    header = "\t".join(BILINGUAL_HEADERS)
    row = "91510107MA6CAB1262\t成武市监罚〔2025〕1号\t违法\t罚款\t1\t2025/3/8\t某局"
    table = importers.read_table(f"{header}\n{row}\n".encode(), "f.txt", PENALTY)
    header_map = importers.map_headers(PENALTY, table.headers)
    rows, errors = importers.parse_rows(PENALTY, table, header_map, today=TODAY)
    assert errors == []
    assert rows[0].values["decided_on"] == dt.date(2025, 3, 8)
    assert rows[0].values["fine_amount"] == Decimal("10000.00")


@pytest.mark.parametrize(
    ("data", "filename", "fragment"),
    [
        (b"", "a.csv", "文件为空"),
        (b"   \n", "a.csv", "文件为空"),
        (b"%PDF-1.4", "a.pdf", "不支持的文件类型 .pdf"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "a.xls", "不支持旧版 Excel（.xls）"),
        (b"not a zip", "a.xlsx", "不是有效的 Excel 工作簿"),
        (b"PK\x03\x04garbage", "a.xlsx", "无法读取 Excel 文件"),
        ("甲,乙,丙\n1,2,3\n".encode(), "a.csv", "没有找到行政处罚的表头"),
        (f"{HEADER}\n".encode(), "a.csv", "只有表头，没有数据行"),
    ],
)
def test_file_level_errors(data, filename, fragment):
    with pytest.raises(ValidationError) as caught:
        importers.read_table(data, filename, PENALTY)
    assert fragment in caught.value.message
    assert caught.value.field == "file"


def test_missing_required_columns_are_listed():
    table = importers.read_table("统一社会信用代码,违法行为类型\n91510107MA6CAB1262,违法\n".encode(), "a.csv", PENALTY)
    with pytest.raises(ValidationError) as caught:
        importers.map_headers(PENALTY, table.headers)
    assert caught.value.message == "缺少必填列：行政处罚决定书文号、处罚类别、处罚决定日期、处罚机关"


def test_duplicate_column_is_refused():
    table = importers.read_table(f"{HEADER},罚款金额（元）\n{ROW},1\n".encode(), "a.csv", PENALTY)
    with pytest.raises(ValidationError, match="列重复"):
        importers.map_headers(PENALTY, table.headers)


def test_unknown_columns_are_reported_as_ignored():
    table = importers.read_table(f"{HEADER},备注,经办人\n{ROW},示例,某某\n".encode(), "a.csv", PENALTY)
    assert importers.map_headers(PENALTY, table.headers).ignored == ["经办人"]


def test_row_errors_name_row_column_value():
    rows_text = csv_text(
        HEADER,
        "甲,91510107MA6CAB1263,文号1,违法,罚款,1,2025-03-18,局",  # checksum
        "乙,91510107MA6CAB1262,文号2,违法,罚金,1,2025-13-01,局",  # category + date
        "丙,91510107MA6CAB1262,文号3,,警告,1,2026-01-01,局",  # empty required, future date, fine without 罚款
        "丁,91510107MA6CAB1262,文号4,违法,罚款,-2,2025-01-01,局",  # negative
    )
    _, _, (_, errors) = parse(rows_text)
    found = {(e.row, e.column): (e.value, e.message) for e in errors}
    assert found[(2, "统一社会信用代码")] == (
        "91510107MA6CAB1263",
        "统一社会信用代码校验码错误：最后一位应为 2，实际为 3",
    )
    assert "处罚类别“罚金”无效" in found[(3, "处罚类别")][1]
    assert found[(3, "处罚决定日期")] == ("2025-13-01", "处罚决定日期“2025-13-01”不是有效日期（格式如 2024-03-07）")
    assert found[(4, "违法行为类型")] == ("", "违法行为类型不能为空")
    assert "晚于今天" in found[(4, "处罚决定日期")][1]
    assert found[(5, "罚款金额（万元）")] == ("-2", "罚款金额（万元）不能为负数：-2")


def test_fine_requires_fine_category():
    _, _, (_, errors) = parse(f"{HEADER}\n甲,91510107MA6CAB1262,文号1,违法,警告,1,2025-03-18,局\n")
    assert [(e.column, e.message) for e in errors] == [
        ("罚款金额（万元）", "罚款金额大于0，但处罚类别“警告”中没有“罚款”")
    ]


def test_multiple_categories_are_normalised():
    _, _, (rows, errors) = parse(f"{HEADER}\n甲,91510107MA6CAB1262,文号1,违法,警告；罚款,1,2025-03-18,局\n")
    assert errors == []
    assert rows[0].values["penalty_category"] == "警告、罚款"


def test_person_subject_and_both_subjects():
    header = (
        "行政相对人名称,统一社会信用代码,公民身份号码,行政处罚决定书文号,违法行为类型,处罚类别,处罚决定日期,处罚机关"
    )
    text = csv_text(
        header,
        "张三,,510107199003071236,文号1,违法,警告,2025-03-18,局",
        "张三,91510107MA6CAB1262,510107199003071236,文号2,违法,警告,2025-03-18,局",
        "张三,,,文号3,违法,警告,2025-03-18,局",
    )
    table = importers.read_table(text.encode(), "a.csv", PENALTY)
    rows, errors = importers.parse_rows(PENALTY, table, importers.map_headers(PENALTY, table.headers), today=TODAY)
    assert rows[0].subject_kind == "person"
    assert rows[0].subject_code == "510107199003071236"
    messages = {e.row: e.message for e in errors}
    assert messages[3] == "统一社会信用代码和公民身份号码只能填写其一（记录只能属于一个主体）"
    assert messages[4] == "缺少主体标识：统一社会信用代码或公民身份号码至少填写一项"


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_real_dates_and_numbers():
    data = _xlsx(
        [
            HEADER.split(","),
            [
                "甲",
                "91510107MA6CAB1262",
                "文号1",
                "违法",
                "罚款",
                0.25,
                dt.datetime(2025, 3, 18, tzinfo=dt.UTC).replace(tzinfo=None),
                "局",
            ],
        ]
    )
    table = importers.read_table(data, "f.xlsx", PENALTY)
    assert table.file_type == "xlsx"
    rows, errors = importers.parse_rows(PENALTY, table, importers.map_headers(PENALTY, table.headers), today=TODAY)
    assert errors == []
    assert rows[0].values["decided_on"] == dt.date(2025, 3, 18)
    assert rows[0].values["fine_amount"] == Decimal("2500.00")


def test_xlsx_id_number_stored_as_number_is_refused():
    header = [
        "行政相对人名称",
        "公民身份号码",
        "行政处罚决定书文号",
        "违法行为类型",
        "处罚类别",
        "处罚决定日期",
        "处罚机关",
    ]
    data = _xlsx([header, ["张三", 510107199003071236, "文号1", "违法", "警告", "2025-03-18", "局"]])
    table = importers.read_table(data, "f.xlsx", PENALTY)
    _, errors = importers.parse_rows(PENALTY, table, importers.map_headers(PENALTY, table.headers), today=TODAY)
    assert errors[0].column == "公民身份号码"
    assert "被保存成了数字" in errors[0].message


def test_licence_open_ended_validity_and_default_start():
    spec = KINDS["licence"]
    text = csv_text(
        "统一社会信用代码,许可证书名称,许可编号,许可决定日期,有效期至,许可机关",
        "91510107MA6CAB1262,食品经营许可证,JY1,2024-01-02,长期,某局",
    )
    table = importers.read_table(text.encode(), "a.csv", spec)
    rows, errors = importers.parse_rows(spec, table, importers.map_headers(spec, table.headers), today=TODAY)
    assert errors == []
    assert rows[0].values["valid_to"] is None
    assert rows[0].values["valid_from"] == dt.date(2024, 1, 2)


def test_licence_end_before_start():
    spec = KINDS["licence"]
    text = csv_text(
        "统一社会信用代码,许可证书名称,许可编号,许可决定日期,有效期自,有效期至,许可机关",
        "91510107MA6CAB1262,证,JY1,2024-01-02,2024-01-02,2023-01-01,某局",
    )
    table = importers.read_table(text.encode(), "a.csv", spec)
    _, errors = importers.parse_rows(spec, table, importers.map_headers(spec, table.headers), today=TODAY)
    assert [e.message for e in errors] == ["有效期至 2023-01-01 早于有效期自 2024-01-02"]


def test_month_and_year_cells():
    spec = KINDS["social_insurance"]
    text = "统一社会信用代码,所属期,参保人数\n91510107MA6CAB1262,2025年3月,12\n91510107MA6CAB1262,202504,1.5\n"
    table = importers.read_table(text.encode(), "a.csv", spec)
    rows, errors = importers.parse_rows(spec, table, importers.map_headers(spec, table.headers), today=TODAY)
    assert rows[0].values["period"] == dt.date(2025, 3, 1)
    assert rows[0].values["insured_employees"] == 12
    assert [e.message for e in errors] == ["参保人数应为不小于0的整数：1.5"]
    tax = KINDS["tax"]
    text = "统一社会信用代码,年度,营业收入（万元）,纳税额\n91510107MA6CAB1262,2030,1,1\n"
    table = importers.read_table(text.encode(), "a.csv", tax)
    rows, errors = importers.parse_rows(tax, table, importers.map_headers(tax, table.headers), today=TODAY)
    assert errors[0].message == "年度“2030”无效：应为1900年至2025年之间的四位年份"
    assert rows[0].values["revenue"] == Decimal("10000.00")


def test_enterprise_only_kind_refuses_person_subject():
    spec = KINDS["abnormal_operation"]
    header = importers.map_headers
    text = (
        "统一社会信用代码,列入日期,列入原因,作出决定机关\n91510107MA6CAB1262,2024-01-01,通过登记的住所无法联系,某局\n"
    )
    table = importers.read_table(text.encode(), "a.csv", spec)
    rows, errors = importers.parse_rows(spec, table, header(spec, table.headers), today=TODAY)
    assert errors == []
    assert rows[0].values[SUBJECT_USCC] == "91510107MA6CAB1262"

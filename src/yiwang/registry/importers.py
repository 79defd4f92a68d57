"""Reading department export files (CSV in UTF-8/UTF-8-BOM/GB18030, Excel .xlsx) into checked rows.

Pure: bytes in, parsed rows and row-level errors out; the database checks (subject exists, duplicates against
stored rows, department names) and the all-or-nothing write live in :mod:`yiwang.registry.services`.

* The file type comes from the content (a ZIP container is .xlsx, an OLE container is the old .xls, which is
  refused) and the extension; the CSV encoding from the BOM, then strict UTF-8, then GB18030 (which covers
  GBK/GB2312 exports from Windows tools); the delimiter from the header line (comma, tab or semicolon).
* The header row is the first of the top ten rows that names known columns, so a title line above the table
  (``成都市行政处罚信息公示表``) is skipped. Headers are matched after NFKC normalisation (full-width brackets),
  with required-markers (``*``) and a trailing English translation removed; money headers may state a unit.
* Row numbers in errors are the ones a spreadsheet shows (the header row included).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from yiwang.kernel.errors import ValidationError
from yiwang.kernel.identifiers import validate_citizen_id, validate_uscc
from yiwang.registry.kinds import (
    PSEUDO_FIELDS,
    SUBJECT_ID,
    SUBJECT_USCC,
    UNIT_FACTORS,
    ColumnSpec,
    KindSpec,
    ValueType,
)
from yiwang.registry.rules import MAX_MONEY
from yiwang.registry.schemas import ImportRowError
from yiwang.registry.vocab import PenaltyCategory, SubjectKind

MAX_ROWS = 100_000
"""Rows per import file; bigger exports are split (the whole file is checked and written in one transaction)."""

MAX_BYTES = 50 * 1024 * 1024
HEADER_SEARCH_ROWS = 10
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CSV_EXTENSIONS = {".csv", ".txt", ".tsv", ""}
_XLSX_EXTENSIONS = {".xlsx", ".xlsm"}
_ENGLISH_TAIL = re.compile(r"^(.*?[\u4e00-\u9fff)])\s*[A-Za-z][A-Za-z0-9 ,.'()/&-]*$")
_UNIT_SUFFIX = re.compile(r"^(.*)\((元|万元|亿元)\)$")
_CHOICE_SEPARATORS = re.compile(r"[、，,;；/]+")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月$"),
    re.compile(r"^(\d{4})(\d{2})$"),
)
_OPEN_ENDED = {"长期", "长期有效", "永久", "无固定期限", "-", "—", "无"}


@dataclass(frozen=True, slots=True)
class RawTable:
    """A file read into a header row and data rows (cell values as the file holds them)."""

    file_type: str
    encoding: str | None
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[object]]]


@dataclass(frozen=True, slots=True)
class BoundColumn:
    """A file column matched to a spec column, with the factor converting its unit to the stored one."""

    index: int
    header: str
    spec: ColumnSpec
    factor: Decimal = Decimal(1)


@dataclass(frozen=True, slots=True)
class HeaderMap:
    """How the file's columns map onto the kind's columns."""

    columns: list[BoundColumn]
    ignored: list[str]

    def header_of(self, field_name: str) -> str | None:
        """The file header bound to a field, if the file has that column."""
        for column in self.columns:
            if column.spec.field == field_name:
                return column.header
        return None


@dataclass(slots=True)
class ParsedRow:
    """A data row: parsed values by field, the raw cell text by field, and the subject it is about."""

    row: int
    values: dict[str, object] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    subject_kind: SubjectKind | None = None
    subject_code: str | None = None
    failed: set[str] = field(default_factory=set)


def normalize_header(text: object) -> str:
    """Comparable form of a header: NFKC, no spaces or required-marks, no trailing English translation.

    Examples:
        >>> normalize_header("罚款金额（万元） Fine Amount, 10k Yuan")
        '罚款金额(万元)'
        >>> normalize_header("*统一社会信用代码")
        '统一社会信用代码'
    """
    value = unicodedata.normalize("NFKC", str(text or "")).replace("\ufeff", "").strip()
    match = _ENGLISH_TAIL.match(value)
    if match:
        value = match.group(1)
    return re.sub(r"\s+", "", value).strip("*")


def _split_unit(header: str) -> tuple[str, str | None]:
    match = _UNIT_SUFFIX.match(header)
    return (match.group(1), match.group(2)) if match else (header, None)


# --- reading files ------------------------------------------------------------------------------------------


def read_table(data: bytes, filename: str, spec: KindSpec) -> RawTable:
    """Read a CSV or .xlsx file into rows; ValidationError (field ``file``) for what cannot be read."""
    if not data or not data.strip():
        raise ValidationError("文件为空：没有表头，也没有数据行", field="file")
    if len(data) > MAX_BYTES:
        raise ValidationError(f"文件过大：最多 {MAX_BYTES // 1024 // 1024} MB，请拆分后分批导入", field="file")
    extension = PurePath(filename or "").suffix.lower()
    if data.startswith(_OLE_MAGIC) or extension == ".xls":
        raise ValidationError("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV（UTF-8）后再导入", field="file")
    if data.startswith(_XLSX_MAGIC):
        if extension not in _XLSX_EXTENSIONS and extension not in _CSV_EXTENSIONS:
            raise ValidationError(f"不支持的文件类型 {extension}：请上传 .xlsx 或 .csv 文件", field="file")
        cells = _xlsx_rows(data)
        file_type, encoding = "xlsx", None
    elif extension in _XLSX_EXTENSIONS:
        raise ValidationError("文件扩展名为 .xlsx，但内容不是有效的 Excel 工作簿", field="file")
    elif extension in _CSV_EXTENSIONS:
        text, encoding = decode_text(data)
        cells = _csv_rows(text)
        file_type = "csv"
    else:
        raise ValidationError(f"不支持的文件类型 {extension}：请上传 .xlsx 或 .csv 文件", field="file")
    return _locate_header(cells, spec, file_type=file_type, encoding=encoding)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 with BOM, UTF-8, or GB18030 (a superset of GBK/GB2312); return text and encoding."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise ValidationError("无法识别文件编码：请保存为 UTF-8 或 GB18030（GBK）编码的 CSV", field="file") from None


def _csv_rows(text: str) -> list[list[object]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [list(row) for row in reader]
    except csv.Error as exc:
        raise ValidationError(f"CSV 文件格式错误：{exc}", field="file") from None


def _xlsx_rows(data: bytes) -> list[list[object]]:
    from openpyxl import load_workbook  # noqa: PLC0415 - openpyxl is only needed for Excel uploads

    try:
        with warnings.catch_warnings():
            # Workbooks from other tools often lack default styles; openpyxl warns, the data is intact.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ValidationError(f"无法读取 Excel 文件：{exc}", field="file") from None
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[object]] = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(list(values))
            if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                break
        return rows
    finally:
        workbook.close()


def _is_blank(values: Sequence[object]) -> bool:
    return all(value is None or str(value).strip() == "" for value in values)


def _known_names(spec: KindSpec) -> set[str]:
    names = set()
    for column in spec.columns:
        for name in (column.header, *column.aliases):
            names.add(normalize_header(name))
    names.update(normalize_header(name) for name in spec.ignored_headers)
    return names


def _locate_header(cells: list[list[object]], spec: KindSpec, *, file_type: str, encoding: str | None) -> RawTable:
    known = _known_names(spec)
    best_index, best_hits = -1, 0
    for index, values in enumerate(cells[:HEADER_SEARCH_ROWS]):
        hits = sum(1 for value in values if _split_unit(normalize_header(value))[0] in known)
        if hits > best_hits:
            best_index, best_hits = index, hits
    if best_index < 0:
        if all(_is_blank(values) for values in cells):
            raise ValidationError("文件为空：没有表头，也没有数据行", field="file")
        expected = "、".join(column.label for column in spec.required_columns())
        raise ValidationError(
            f"没有找到{spec.name}的表头：前{HEADER_SEARCH_ROWS}行中没有可识别的列名（必填列：{expected}）", field="file"
        )
    headers = ["" if value is None else str(value).strip() for value in cells[best_index]]
    rows = [
        (best_index + offset + 2, values)
        for offset, values in enumerate(cells[best_index + 1 :])
        if not _is_blank(values)
    ]
    if not rows:
        raise ValidationError("文件中只有表头，没有数据行", field="file")
    if len(rows) > MAX_ROWS:
        raise ValidationError(f"单次导入最多 {MAX_ROWS} 行，本文件有 {len(rows)} 行以上，请拆分后导入", field="file")
    return RawTable(file_type=file_type, encoding=encoding, header_row=best_index + 1, headers=headers, rows=rows)


# --- headers ------------------------------------------------------------------------------------------------


def _bind(by_name: dict[str, ColumnSpec], index: int, header: str) -> BoundColumn | None:
    """The spec column a header names (with the money unit it states), or None for an unknown header."""
    base, unit = _split_unit(normalize_header(header))
    column = by_name.get(base) or by_name.get(normalize_header(header))
    if column is None or (unit is not None and column.type is not ValueType.MONEY):
        return None
    factor = UNIT_FACTORS[unit or column.unit] / UNIT_FACTORS[column.unit] if column.type is ValueType.MONEY else 1
    return BoundColumn(index=index, header=header, spec=column, factor=Decimal(factor))


def map_headers(spec: KindSpec, headers: Sequence[str]) -> HeaderMap:
    """Bind the file's headers to the kind's columns; ValidationError for missing or duplicated columns."""
    by_name: dict[str, ColumnSpec] = {}
    for column in spec.columns:
        for name in (column.header, *column.aliases):
            by_name[normalize_header(name)] = column
    ignorable = {normalize_header(name) for name in spec.ignored_headers}
    bound: list[BoundColumn] = []
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for index, header in enumerate(headers):
        if not header:
            continue
        binding = _bind(by_name, index, header)
        if binding is None:
            if normalize_header(header) not in ignorable:
                ignored.append(header)
            continue
        if binding.spec.field in seen:
            raise ValidationError(
                f"列重复：“{seen[binding.spec.field]}”和“{header}”都对应{binding.spec.label}，请只保留一列",
                field="file",
            )
        seen[binding.spec.field] = header
        bound.append(binding)
    missing = [column.label for column in spec.required_columns() if column.field not in seen]
    if missing:
        raise ValidationError(f"缺少必填列：{'、'.join(missing)}", field="file")
    if not spec.is_base and SUBJECT_USCC not in seen and SUBJECT_ID not in seen:
        raise ValidationError("缺少主体标识列：需要“统一社会信用代码”或“公民身份号码”列", field="file")
    return HeaderMap(columns=bound, ignored=ignored)


# --- cells --------------------------------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_date(text: str, patterns: Iterable[re.Pattern[str]], *, month: bool = False) -> dt.date | None:
    for pattern in patterns:
        match = pattern.match(text)
        if match:
            year, mon = int(match.group(1)), int(match.group(2))
            day = 1 if month else int(match.group(3))
            try:
                return dt.date(year, mon, day)
            except ValueError:
                return None
    return None


class CellError(Exception):
    """A cell that does not parse; the message is Chinese and names the column."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_cell(column: BoundColumn, value: object, *, today: dt.date) -> object:  # noqa: C901, PLR0911, PLR0912
    """Parse one non-empty cell to the column's type; CellError with a Chinese message when it does not fit."""
    spec, label = column.spec, column.header
    text = _cell_text(value)
    if spec.type is ValueType.TEXT:
        if spec.max_length and len(text) > spec.max_length:
            raise CellError(f"{label}过长：最多{spec.max_length}个字符，实际{len(text)}个")
        return text
    if spec.type in {ValueType.USCC, ValueType.CITIZEN_ID} and isinstance(value, int | float):
        raise CellError(f"{label}被保存成了数字（长数字会丢失精度），请把该列设为“文本”格式后重新填写")
    if spec.type is ValueType.USCC:
        try:
            return validate_uscc(text, field=label)
        except ValidationError as exc:
            raise CellError(exc.message) from None
    if spec.type is ValueType.CITIZEN_ID:
        try:
            return validate_citizen_id(text, field=label, today=today).number
        except ValidationError as exc:
            raise CellError(exc.message) from None
    if spec.type is ValueType.DIVISION:
        if not text.isdigit():
            raise CellError(f"{label}应为数字代码：{text}")
        return text
    if spec.type in {ValueType.DATE, ValueType.MONTH}:
        return _parse_date_cell(column, value, text, today=today)
    if spec.type is ValueType.YEAR:
        year_text = text.removesuffix("年")
        if not year_text.isdigit() or not 1900 <= int(year_text) <= today.year:  # noqa: PLR2004
            raise CellError(f"{label}“{text}”无效：应为1900年至{today.year}年之间的四位年份")
        return int(year_text)
    if spec.type is ValueType.MONEY:
        return _parse_money(column, value, text)
    if spec.type is ValueType.INT:
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise CellError(f"{label}“{text}”不是整数") from None
        if number != number.to_integral_value() or number < 0:
            raise CellError(f"{label}应为不小于0的整数：{text}")
        if number > 2_000_000_000:  # noqa: PLR2004 - fits the INTEGER column
            raise CellError(f"{label}过大：{text}")
        return int(number)
    # CHOICE
    parts = [part.strip() for part in _CHOICE_SEPARATORS.split(text)] if spec.multiple else [text]
    parts = [part for part in parts if part]
    bad = [part for part in parts if part not in spec.choices]
    if bad or not parts:
        raise CellError(f"{label}“{text}”无效：应为 {'、'.join(spec.choices)} 之一")
    joined = "、".join(dict.fromkeys(parts))
    if spec.max_length and len(joined) > spec.max_length:
        raise CellError(f"{label}过长：最多{spec.max_length}个字符")
    return joined


def _parse_date_cell(column: BoundColumn, value: object, text: str, *, today: dt.date) -> dt.date | None:
    spec, label = column.spec, column.header
    if spec.allow_future and text in _OPEN_ENDED:
        return None
    if isinstance(value, dt.datetime):
        parsed: dt.date | None = value.date()
    elif isinstance(value, dt.date):
        parsed = value
    elif spec.type is ValueType.MONTH:
        parsed = _parse_date(text, _MONTH_PATTERNS, month=True) or _parse_date(text, _DATE_PATTERNS)
    else:
        parsed = _parse_date(text, _DATE_PATTERNS)
    if parsed is None:
        example = "2024-03" if spec.type is ValueType.MONTH else "2024-03-07"
        raise CellError(f"{label}“{text}”不是有效日期（格式如 {example}）")
    if spec.type is ValueType.MONTH:
        parsed = parsed.replace(day=1)
    if parsed.year < 1900:  # noqa: PLR2004
        raise CellError(f"{label} {parsed.isoformat()} 早于1900年，不合理")
    if not spec.allow_future and parsed > today:
        raise CellError(f"{label} {parsed.isoformat()} 晚于今天（{today.isoformat()}），不能是将来的日期")
    return parsed


def _parse_money(column: BoundColumn, value: object, text: str) -> Decimal:
    label = column.header
    cleaned = text.replace(",", "").replace("，", "").removesuffix("万元").removesuffix("元").strip()
    try:
        amount = Decimal(str(value)) if isinstance(value, int | float) else Decimal(cleaned)
    except InvalidOperation:
        raise CellError(f"{label}“{text}”不是有效金额") from None
    if not amount.is_finite():
        raise CellError(f"{label}“{text}”不是有效金额")
    if amount < 0:
        raise CellError(f"{label}不能为负数：{text}")
    amount = (amount * column.factor).quantize(Decimal("0.01"))
    if amount > MAX_MONEY:
        raise CellError(f"{label}过大：{text}")
    return amount


# --- rows ---------------------------------------------------------------------------------------------------


def parse_rows(
    spec: KindSpec, table: RawTable, header_map: HeaderMap, *, today: dt.date
) -> tuple[list[ParsedRow], list[ImportRowError]]:
    """Parse every row: types, required cells, subject identification and the kind's cross-field rules."""
    parsed: list[ParsedRow] = []
    errors: list[ImportRowError] = []
    for number, values in table.rows:
        row = ParsedRow(row=number)
        for column in header_map.columns:
            value = values[column.index] if column.index < len(values) else None
            text = _cell_text(value)
            row.raw[column.spec.field] = text
            row.headers[column.spec.field] = column.header
            if text == "":
                if column.spec.required:
                    errors.append(
                        ImportRowError(row=number, column=column.header, value="", message=f"{column.header}不能为空")
                    )
                    row.failed.add(column.spec.field)
                continue
            try:
                row.values[column.spec.field] = parse_cell(column, value, today=today)
            except CellError as exc:
                errors.append(ImportRowError(row=number, column=column.header, value=text, message=exc.message))
                row.failed.add(column.spec.field)
        if not spec.is_base:
            _identify_subject(spec, row, errors)
            _cross_field_rules(spec, row, errors)
        parsed.append(row)
    return parsed, errors


def row_error(row: ParsedRow, field_name: str, message: str, *, spec: KindSpec) -> ImportRowError:
    """An error about one field of a row, reported under the header the file used."""
    return ImportRowError(
        row=row.row,
        column=row.headers.get(field_name) or spec.label(field_name),
        value=row.raw.get(field_name, ""),
        message=message,
    )


def _identify_subject(spec: KindSpec, row: ParsedRow, errors: list[ImportRowError]) -> None:
    uscc = row.values.get(SUBJECT_USCC)
    citizen = row.values.get(SUBJECT_ID)
    if row.failed & {SUBJECT_USCC, SUBJECT_ID}:
        return
    if isinstance(uscc, str) and isinstance(citizen, str):
        errors.append(
            row_error(row, SUBJECT_ID, "统一社会信用代码和公民身份号码只能填写其一（记录只能属于一个主体）", spec=spec)
        )
        return
    if isinstance(uscc, str):
        row.subject_kind, row.subject_code = SubjectKind.ENTERPRISE, uscc
    elif isinstance(citizen, str):
        if SubjectKind.PERSON not in spec.subject_kinds:
            errors.append(
                row_error(row, SUBJECT_ID, f"{spec.name}只能是企业等市场主体的记录，请填写统一社会信用代码", spec=spec)
            )
            return
        row.subject_kind, row.subject_code = SubjectKind.PERSON, citizen
    else:
        field_name = SUBJECT_USCC if SUBJECT_USCC in row.headers else SUBJECT_ID
        errors.append(row_error(row, field_name, "缺少主体标识：统一社会信用代码或公民身份号码至少填写一项", spec=spec))


def _later_or_equal(spec: KindSpec, row: ParsedRow, errors: list[ImportRowError], later: str, earlier: str) -> None:
    end, start = row.values.get(later), row.values.get(earlier)
    if isinstance(end, dt.date) and isinstance(start, dt.date) and end < start:
        errors.append(
            row_error(
                row,
                later,
                f"{spec.label(later)} {end.isoformat()} 早于{spec.label(earlier)} {start.isoformat()}",
                spec=spec,
            )
        )


def _cross_field_rules(spec: KindSpec, row: ParsedRow, errors: list[ImportRowError]) -> None:
    values = row.values
    if spec.kind == "licence":
        if (
            "valid_from" not in values
            and "valid_from" not in row.failed
            and isinstance(values.get("issued_on"), dt.date)
        ):
            values["valid_from"] = values["issued_on"]
        _later_or_equal(spec, row, errors, "valid_to", "valid_from")
    elif spec.kind == "penalty":
        _later_or_equal(spec, row, errors, "publicity_until", "decided_on")
        categories = str(values.get("penalty_category", ""))
        fine = values.get("fine_amount")
        if (
            isinstance(fine, Decimal)
            and fine > 0
            and "penalty_category" in values
            and PenaltyCategory.FINE not in categories.split("、")
        ):
            errors.append(
                row_error(row, "fine_amount", f"罚款金额大于0，但处罚类别“{categories}”中没有“罚款”", spec=spec)
            )
        confiscated = values.get("confiscated_amount")
        if (
            isinstance(confiscated, Decimal)
            and confiscated > 0
            and "penalty_category" in values
            and "没收" not in categories
        ):
            errors.append(
                row_error(
                    row, "confiscated_amount", f"没收金额大于0，但处罚类别“{categories}”中没有没收类处罚", spec=spec
                )
            )
    elif spec.kind in {"abnormal_operation", "serious_dishonesty"}:
        _later_or_equal(spec, row, errors, "removed_on", "listed_on")
        if spec.kind == "abnormal_operation" and values.get("removal_reason") and "removed_on" not in values:
            errors.append(row_error(row, "removed_on", "填写了移出原因，但没有移出日期", spec=spec))
    elif spec.kind == "certificate":
        _later_or_equal(spec, row, errors, "valid_to", "issued_on")


def model_values(row: ParsedRow) -> dict[str, object]:
    """The row's values for the model's columns (pseudo-columns such as the subject removed)."""
    return {name: value for name, value in row.values.items() if name not in PSEUDO_FIELDS}

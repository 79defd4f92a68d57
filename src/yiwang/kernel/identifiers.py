"""Validation of the unified identifiers: 公民身份号码 (GB 11643), 统一社会信用代码 (GB 32100), GB/T 2260 codes.

Every check raises :class:`~yiwang.kernel.errors.ValidationError` with a Chinese message that names the field
and the reason. The area part of an ID number is checked for *form* only (six digits, a real province prefix):
real numbers keep the code of the place of first registration even after that code was retired, so a strict
"code existed at birth" check (as python-stdnum does) refuses genuine citizens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from yiwang.kernel.errors import ValidationError

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)
"""GB/T 2260 province-level prefixes (incl. 台湾 71, 香港 81, 澳门 82)."""

USCC_REGISTRARS = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "市场监管",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}


@dataclass(frozen=True, slots=True)
class CitizenId:
    """A validated 公民身份号码 and what it encodes."""

    number: str
    area_code: str
    birth_date: dt.date
    sex: str  # "男" / "女"


def id_check_char(body17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits.

    Examples:
        >>> id_check_char("51010719900307123")
        '6'
    """
    total = sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def validate_citizen_id(value: str, *, field: str = "公民身份号码", today: dt.date | None = None) -> CitizenId:
    """Check an 18-character 公民身份号码: form, area prefix, birth date, checksum; return its parts."""
    number = (value or "").strip().upper()
    if len(number) != 18:  # noqa: PLR2004 - GB 11643 fixes 18 characters
        raise ValidationError(f"{field}应为18位，实际为{len(number)}位", field=field)
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(f"{field}前17位必须是数字，最后一位是数字或X", field=field)
    if number[:2] not in PROVINCE_PREFIXES:
        raise ValidationError(f"{field}的地址码 {number[:6]} 不是有效的行政区划代码", field=field)
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(f"{field}中的出生日期 {number[6:14]} 不是有效日期", field=field) from None
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar date, not an instant
    if birth > today or birth.year < 1880:  # noqa: PLR2004
        raise ValidationError(f"{field}中的出生日期 {birth.isoformat()} 不合理", field=field)
    expected = id_check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(f"{field}校验码错误：最后一位应为 {expected}，实际为 {number[17]}", field=field)
    sex = "男" if int(number[16]) % 2 == 1 else "女"
    return CitizenId(number=number, area_code=number[:6], birth_date=birth, sex=sex)


def uscc_check_char(body17: str) -> str:
    """The GB 32100 check character of the first 17 characters.

    Examples:
        >>> uscc_check_char("91510107MA6CAB126")
        '2'
    """
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """The GB 11714 check character of an organisation code's first 8 characters.

    Examples:
        >>> org_code_check_char("MA6CAB12")
        '6'
    """
    total = sum(_org_value(c) * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    remainder = 11 - total % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def _org_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def validate_uscc(value: str, *, field: str = "统一社会信用代码") -> str:
    """Check an 18-character 统一社会信用代码: charset, registrar, area, both check characters."""
    code = (value or "").strip().upper()
    if len(code) != 18:  # noqa: PLR2004 - GB 32100 fixes 18 characters
        raise ValidationError(f"{field}应为18位，实际为{len(code)}位", field=field)
    bad = sorted({c for c in code if c not in USCC_CHARSET})
    if bad:
        raise ValidationError(f"{field}含有不允许的字符：{'、'.join(bad)}（不使用 I、O、S、V、Z）", field=field)
    if code[0] not in USCC_REGISTRARS:
        raise ValidationError(f"{field}第1位登记管理部门代码 {code[0]} 无效", field=field)
    if not code[2:8].isdigit() or code[2:4] not in PROVINCE_PREFIXES:
        raise ValidationError(f"{field}第3–8位登记管理机关行政区划码 {code[2:8]} 无效", field=field)
    org_expected = org_code_check_char(code[8:16])
    if code[16] != org_expected:
        raise ValidationError(
            f"{field}第9–17位组织机构代码校验位错误：第17位应为 {org_expected}，实际为 {code[16]}", field=field
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(f"{field}校验码错误：最后一位应为 {expected}，实际为 {code[17]}", field=field)
    return code


def validate_division_code(value: str, known: frozenset[str] | set[str], *, field: str = "行政区划代码") -> str:
    """Check a GB/T 2260 (6 digits) or statistical (9/12 digits) code against the known master data."""
    code = (value or "").strip()
    if not code.isdigit() or len(code) not in (6, 9, 12):
        raise ValidationError(f"{field}应为6位（区县）、9位（街道乡镇）或12位（社区村）数字：{code!r}", field=field)
    if code not in known:
        raise ValidationError(f"{field} {code} 不在本市行政区划代码表中", field=field)
    return code

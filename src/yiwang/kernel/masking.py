"""Masking of personal data (ID numbers, phones, addresses, names) for display, exports and search results.

Pure functions; each keeps just enough to tell records apart and to let the person recognise their own data,
following the common practice of Chinese government portals (身份证号保留前6后4, 手机号保留前3后4, 地址保留到
街道/乡镇, 姓名保留姓氏). Empty input gives empty output, so callers can mask optional fields blindly.
"""

from __future__ import annotations

import re

MASK_CHAR = "*"

_COMPOUND_SURNAME_TEXT = (
    "欧阳 太史 端木 上官 司马 东方 独孤 南宫 万俟 闻人 夏侯 诸葛 尉迟 公羊 赫连 澹台 皇甫 宗政 濮阳 公冶 "
    "太叔 申屠 公孙 慕容 仲孙 钟离 长孙 宇文 司徒 鲜于 司空 闾丘 子车 亓官 司寇 巫马 公西 颛孙 壤驷 公良 "
    "漆雕 乐正 宰父 谷梁 拓跋 夹谷 轩辕 令狐 段干 百里 呼延 东郭 南门 羊舌 微生 公户 公玉 公仪 梁丘 公仲 "
    "公上 公门 公山 公坚 左丘 公伯 西门 公祖 第五 公乘 贯丘 公皙 南荣 东里 东宫 仲长 子书 子桑 即墨 达奚 "
    "褚师"
)
COMPOUND_SURNAMES = frozenset(_COMPOUND_SURNAME_TEXT.split(" "))
"""Two-character surnames (复姓) kept whole by :func:`mask_name`."""

_CJK = r"\u4e00-\u9fff"
# Administrative units from the start of an address: province, city, county-level, street/township. Each
# unit is a short run of Chinese characters ending in its suffix, so road names with digits never match.
_ADMIN_PREFIX = re.compile(
    rf"^(?:[{_CJK}]{{1,7}}?(?:省|自治区))?"
    rf"(?:[{_CJK}]{{1,7}}?(?:市|自治州|地区|盟))?"
    rf"(?:[{_CJK}]{{1,7}}?(?:区|县|市|旗))?"
    rf"(?:[{_CJK}]{{1,9}}?(?:街道|镇|乡))?"
)


def mask_id_number(value: str | None) -> str:
    """Keep the area code (first 6) and the last 4 characters of a 公民身份号码.

    Examples:
        >>> mask_id_number("510107199003071236")
        '510107********1236'
    """
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) <= 10:  # noqa: PLR2004 - too short to keep 6 + 4; show only the last character
        return MASK_CHAR * (len(text) - 1) + text[-1:]
    return text[:6] + MASK_CHAR * (len(text) - 10) + text[-4:]


def mask_phone(value: str | None) -> str:
    """Keep the first 3 and last 4 digits of a phone number; separators stay where they are.

    Examples:
        >>> mask_phone("13812345678")
        '138****5678'
        >>> mask_phone("028-85551234")
        '028-****1234'
    """
    text = (value or "").strip()
    digits = [i for i, char in enumerate(text) if char.isdigit()]
    if len(digits) <= 7:  # noqa: PLR2004 - nothing left to hide between 3 + 4 digits
        return MASK_CHAR * len(text)
    hidden = set(digits[3:-4])
    return "".join(MASK_CHAR if i in hidden else char for i, char in enumerate(text))


def mask_address(value: str | None) -> str:
    """Keep the administrative part (province/city/district/street or township) and mask the rest.

    Examples:
        >>> mask_address("成都市武侯区玉林街道玉林北路12号3栋2单元")
        '成都市武侯区玉林街道****'
        >>> mask_address("四川省成都市双流区华阳街道天府大道南段88号")
        '四川省成都市双流区华阳街道****'
    """
    text = (value or "").strip()
    if not text:
        return ""
    match = _ADMIN_PREFIX.match(text)
    kept = match.group(0) if match else ""
    if kept == text:
        return text
    return kept + MASK_CHAR * 4


def mask_name(value: str | None) -> str:
    """Keep the surname (复姓 included) and mask the given name, one ``*`` per character.

    Examples:
        >>> mask_name("张三")
        '张*'
        >>> mask_name("欧阳娜娜")
        '欧阳**'
        >>> mask_name("买买提·艾力")
        '买买提·**'
    """
    text = (value or "").strip()
    if not text:
        return ""
    if "·" in text:
        # Transliterated names (维吾尔族 etc.): the first part stays, the rest is hidden.
        head, _, rest = text.partition("·")
        return f"{head}·{MASK_CHAR * len(rest.replace('·', ''))}"
    if len(text) == 1:
        return MASK_CHAR
    surname = text[:2] if len(text) > 2 and text[:2] in COMPOUND_SURNAMES else text[:1]  # noqa: PLR2004
    return surname + MASK_CHAR * (len(text) - len(surname))

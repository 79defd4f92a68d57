"""GB/T 4754-2017 国民经济行业分类: the 20 sections (门类 A–T) and 97 divisions (大类 01–97) with Chinese names.

Only the two top levels are shipped: enterprises carry a section and a division, and the division number fixes
the section (e.g. 62 餐饮业 belongs to H 住宿和餐饮业), so a mismatch is a data error. Numbers 01–97 are all used;
the ranges below partition them without gaps.
"""

from __future__ import annotations

from dataclasses import dataclass

from yiwang.kernel.errors import ValidationError


@dataclass(frozen=True, slots=True)
class IndustrySection:
    """A 门类: letter, Chinese name and the inclusive range of its 大类 numbers."""

    code: str
    name: str
    first_division: int
    last_division: int

    def division_codes(self) -> tuple[str, ...]:
        """The two-digit 大类 codes of this section."""
        return tuple(f"{n:02d}" for n in range(self.first_division, self.last_division + 1))


SECTIONS: tuple[IndustrySection, ...] = (
    IndustrySection("A", "农、林、牧、渔业", 1, 5),
    IndustrySection("B", "采矿业", 6, 12),
    IndustrySection("C", "制造业", 13, 43),
    IndustrySection("D", "电力、热力、燃气及水生产和供应业", 44, 46),
    IndustrySection("E", "建筑业", 47, 50),
    IndustrySection("F", "批发和零售业", 51, 52),
    IndustrySection("G", "交通运输、仓储和邮政业", 53, 60),
    IndustrySection("H", "住宿和餐饮业", 61, 62),
    IndustrySection("I", "信息传输、软件和信息技术服务业", 63, 65),
    IndustrySection("J", "金融业", 66, 69),
    IndustrySection("K", "房地产业", 70, 70),
    IndustrySection("L", "租赁和商务服务业", 71, 72),
    IndustrySection("M", "科学研究和技术服务业", 73, 75),
    IndustrySection("N", "水利、环境和公共设施管理业", 76, 79),
    IndustrySection("O", "居民服务、修理和其他服务业", 80, 82),
    IndustrySection("P", "教育", 83, 83),
    IndustrySection("Q", "卫生和社会工作", 84, 85),
    IndustrySection("R", "文化、体育和娱乐业", 86, 90),
    IndustrySection("S", "公共管理、社会保障和社会组织", 91, 96),
    IndustrySection("T", "国际组织", 97, 97),
)
"""The 20 门类 in code order."""

DIVISION_NAMES: dict[str, str] = {
    "01": "农业",
    "02": "林业",
    "03": "畜牧业",
    "04": "渔业",
    "05": "农、林、牧、渔专业及辅助性活动",
    "06": "煤炭开采和洗选业",
    "07": "石油和天然气开采业",
    "08": "黑色金属矿采选业",
    "09": "有色金属矿采选业",
    "10": "非金属矿采选业",
    "11": "开采专业及辅助性活动",
    "12": "其他采矿业",
    "13": "农副食品加工业",
    "14": "食品制造业",
    "15": "酒、饮料和精制茶制造业",
    "16": "烟草制品业",
    "17": "纺织业",
    "18": "纺织服装、服饰业",
    "19": "皮革、毛皮、羽毛及其制品和制鞋业",
    "20": "木材加工和木、竹、藤、棕、草制品业",
    "21": "家具制造业",
    "22": "造纸和纸制品业",
    "23": "印刷和记录媒介复制业",
    "24": "文教、工美、体育和娱乐用品制造业",
    "25": "石油、煤炭及其他燃料加工业",
    "26": "化学原料和化学制品制造业",
    "27": "医药制造业",
    "28": "化学纤维制造业",
    "29": "橡胶和塑料制品业",
    "30": "非金属矿物制品业",
    "31": "黑色金属冶炼和压延加工业",
    "32": "有色金属冶炼和压延加工业",
    "33": "金属制品业",
    "34": "通用设备制造业",
    "35": "专用设备制造业",
    "36": "汽车制造业",
    "37": "铁路、船舶、航空航天和其他运输设备制造业",
    "38": "电气机械和器材制造业",
    "39": "计算机、通信和其他电子设备制造业",
    "40": "仪器仪表制造业",
    "41": "其他制造业",
    "42": "废弃资源综合利用业",
    "43": "金属制品、机械和设备修理业",
    "44": "电力、热力生产和供应业",
    "45": "燃气生产和供应业",
    "46": "水的生产和供应业",
    "47": "房屋建筑业",
    "48": "土木工程建筑业",
    "49": "建筑安装业",
    "50": "建筑装饰、装修和其他建筑业",
    "51": "批发业",
    "52": "零售业",
    "53": "铁路运输业",
    "54": "道路运输业",
    "55": "水上运输业",
    "56": "航空运输业",
    "57": "管道运输业",
    "58": "多式联运和运输代理业",
    "59": "装卸搬运和仓储业",
    "60": "邮政业",
    "61": "住宿业",
    "62": "餐饮业",
    "63": "电信、广播电视和卫星传输服务",
    "64": "互联网和相关服务",
    "65": "软件和信息技术服务业",
    "66": "货币金融服务",
    "67": "资本市场服务",
    "68": "保险业",
    "69": "其他金融业",
    "70": "房地产业",
    "71": "租赁业",
    "72": "商务服务业",
    "73": "研究和试验发展",
    "74": "专业技术服务业",
    "75": "科技推广和应用服务业",
    "76": "水利管理业",
    "77": "生态保护和环境治理业",
    "78": "公共设施管理业",
    "79": "土地管理业",
    "80": "居民服务业",
    "81": "机动车、电子产品和日用产品修理业",
    "82": "其他服务业",
    "83": "教育",
    "84": "卫生",
    "85": "社会工作",
    "86": "新闻和出版业",
    "87": "广播、电视、电影和录音制作业",
    "88": "文化艺术业",
    "89": "体育",
    "90": "娱乐业",
    "91": "中国共产党机关",
    "92": "国家机构",
    "93": "人民政协、民主党派",
    "94": "社会保障",
    "95": "群众团体、社会团体和其他成员组织",
    "96": "基层群众自治组织及其他组织",
    "97": "国际组织",
}
"""大类 code → Chinese name."""

SECTIONS_BY_CODE: dict[str, IndustrySection] = {section.code: section for section in SECTIONS}


def section_name(code: str) -> str:
    """The Chinese name of a 门类, or the code itself when unknown (display never fails on old data).

    Examples:
        >>> section_name("H")
        '住宿和餐饮业'
    """
    section = SECTIONS_BY_CODE.get(code)
    return section.name if section else code


def division_name(code: str) -> str:
    """The Chinese name of a 大类, or the code itself when unknown.

    Examples:
        >>> division_name("62")
        '餐饮业'
    """
    return DIVISION_NAMES.get(code, code)


def section_of_division(division: str) -> IndustrySection | None:
    """The 门类 a two-digit 大类 belongs to.

    Examples:
        >>> section_of_division("65").code
        'I'
    """
    if len(division) != 2 or not division.isdigit():  # noqa: PLR2004 - 大类 codes have two digits
        return None
    number = int(division)
    for section in SECTIONS:
        if section.first_division <= number <= section.last_division:
            return section
    return None


def validate_industry(
    section: str,
    division: str,
    *,
    section_field: str = "行业门类",
    division_field: str = "行业大类",
) -> tuple[str, str]:
    """Check a 门类 letter and a 大类 number and that the 大类 belongs to the 门类; return them normalised."""
    section_code = (section or "").strip().upper()
    division_code = (division or "").strip()
    if section_code not in SECTIONS_BY_CODE:
        raise ValidationError(
            f"{section_field} {section_code or '（空）'} 无效：应为 GB/T 4754 门类字母 A–T", field=section_field
        )
    if division_code.isdigit() and len(division_code) == 1:
        division_code = "0" + division_code  # spreadsheets drop the leading zero of "05"
    owner = section_of_division(division_code)
    if owner is None:
        raise ValidationError(
            f"{division_field} {division_code or '（空）'} 无效：应为 GB/T 4754 大类两位数字 01–97",
            field=division_field,
        )
    if owner.code != section_code:
        raise ValidationError(
            f"{division_field} {division_code}（{division_name(division_code)}）属于门类 {owner.code}（{owner.name}），"
            f"与{section_field} {section_code}（{section_name(section_code)}）不一致",
            field=division_field,
        )
    return section_code, division_code

"""Word lists and weights the synthetic city is drawn from: districts, surnames, given names, roads, 字号.

Provenance of the numbers (tags as in ``/work/shared/design/domain.md``: [S] sourced, [K] background knowledge,
[D] design choice):

- District population weights: resident population of the 第七次全国人口普查 (2020, 万人) per district [K];
  the functional zones that are not GB/T 2260 divisions (domain.md §7.3) are folded into the districts they lie
  in: 高新区 → 武侯/双流/郫都, 天府新区直管区 → 双流/龙泉驿/新津, 东部新区 → 简阳 [D]. The result keeps the
  shape the brief asks for: the central districts and 双流/郫都/新都/龙泉驿 are large, the counties small.
- District market-entity weights: more concentrated in the centre and the 高新/天府 corridor than people [D].
- Surname frequencies: national ranking (公安部 2020 name report) with the Sichuan emphasis on 李, 罗, 何, 邓,
  唐, 曾, 彭 [K]; weights are relative, not percentages.
- Given-name characters by sex and birth era (before 1960, 1960–79, 1980–99, 2000 on) [K]: the era matters
  because fashions changed (建国/秀英 → 伟/丽 → 浩/婷 → 梓/涵).
"""

from __future__ import annotations

from typing import NamedTuple


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


class DistrictProfile(NamedTuple):
    """How large a district is in the synthetic city, and the abbreviation its offices use in document numbers."""

    code: str
    abbr: str  # unique within the city, used in 决定文书号 like 成武市监罚〔2025〕12号
    people: float  # relative population weight (万人, 2020 census, functional zones folded in)
    entities: float  # relative weight of market entities


DISTRICTS: tuple[DistrictProfile, ...] = (
    DistrictProfile("510104", "锦", 90.3, 9.0),
    DistrictProfile("510105", "青羊", 95.6, 8.5),
    DistrictProfile("510106", "金牛", 126.6, 10.0),
    DistrictProfile("510107", "武", 170.6, 16.0),
    DistrictProfile("510108", "华", 138.2, 9.0),
    DistrictProfile("510112", "龙", 143.6, 6.5),
    DistrictProfile("510113", "青白", 49.0, 2.0),
    DistrictProfile("510114", "新都", 155.9, 7.0),
    DistrictProfile("510115", "温", 96.8, 4.0),
    DistrictProfile("510116", "双", 261.6, 12.0),
    DistrictProfile("510117", "郫", 169.2, 6.0),
    DistrictProfile("510118", "新津", 41.3, 1.8),
    DistrictProfile("510121", "金堂", 80.0, 2.4),
    DistrictProfile("510129", "邑", 51.6, 1.5),
    DistrictProfile("510131", "蒲", 25.6, 0.8),
    DistrictProfile("510181", "都", 71.0, 2.5),
    DistrictProfile("510182", "彭", 78.1, 2.3),
    DistrictProfile("510183", "邛", 60.3, 1.8),
    DistrictProfile("510184", "崇", 73.6, 2.0),
    DistrictProfile("510185", "简", 149.3, 3.0),
)
"""The 20 county-level divisions of 成都市 (GB/T 2260, domain.md §7.3) with their synthetic-city weights."""

STREET_KIND_WEIGHT = {"街道": 3.0, "镇": 1.2, "乡": 0.5}
"""Relative population of a street office vs a town vs a township inside one district [D]."""

SURNAMES: tuple[tuple[str, float], ...] = (
    ("李", 7.5), ("王", 6.5), ("张", 5.6), ("刘", 5.4), ("陈", 5.2), ("杨", 4.2), ("黄", 2.4), ("赵", 1.8),
    ("吴", 2.0), ("周", 2.2), ("徐", 1.2), ("孙", 0.9), ("马", 0.9), ("朱", 1.0), ("胡", 1.3), ("郭", 1.0),
    ("何", 1.8), ("林", 0.9), ("高", 0.9), ("罗", 2.2), ("郑", 0.9), ("梁", 0.9), ("谢", 1.2), ("宋", 0.8),
    ("唐", 1.4), ("许", 0.7), ("韩", 0.6), ("冯", 0.8), ("邓", 1.5), ("曹", 0.6), ("彭", 1.1), ("曾", 1.2),
    ("肖", 0.9), ("田", 0.7), ("董", 0.6), ("袁", 0.8), ("潘", 0.4), ("于", 0.3), ("蒋", 0.9), ("蔡", 0.5),
    ("余", 0.9), ("杜", 0.6), ("叶", 0.4), ("程", 0.6), ("苏", 0.5), ("魏", 0.5), ("吕", 0.4), ("丁", 0.4),
    ("任", 0.7), ("沈", 0.3), ("姚", 0.4), ("卢", 0.5), ("姜", 0.3), ("崔", 0.2), ("钟", 0.6), ("谭", 0.5),
    ("陆", 0.2), ("汪", 0.3), ("范", 0.4), ("金", 0.2), ("石", 0.4), ("廖", 0.7), ("贾", 0.3), ("夏", 0.3),
    ("韦", 0.1), ("付", 0.4), ("方", 0.3), ("白", 0.2), ("邹", 0.4), ("孟", 0.2), ("熊", 0.5), ("秦", 0.3),
    ("邱", 0.4), ("江", 0.4), ("尹", 0.3), ("薛", 0.2), ("闫", 0.1), ("段", 0.3), ("雷", 0.4), ("侯", 0.3),
    ("龙", 0.3), ("史", 0.2), ("陶", 0.3), ("黎", 0.3), ("贺", 0.3), ("顾", 0.1), ("毛", 0.3), ("郝", 0.1),
    ("龚", 0.3), ("邵", 0.2), ("万", 0.3), ("钱", 0.1), ("严", 0.3), ("覃", 0.05), ("武", 0.1), ("戴", 0.2),
    ("莫", 0.1), ("孔", 0.1), ("向", 0.4), ("汤", 0.2), ("欧阳", 0.05), ("司马", 0.01), ("上官", 0.01),
    ("诸葛", 0.01),
)  # fmt: skip
"""Surnames with relative frequencies (Sichuan-weighted national ranking) [K]."""

ERA_BOUNDS = (1960, 1980, 2000)
"""Birth years that start a new given-name era (four eras: <1960, 1960–79, 1980–99, ≥2000)."""

GIVEN_CHARS: dict[tuple[str, int], str] = {
    ("男", 0): "建国明华文志德福贵发荣海林清忠永玉成学树金富平山春",
    ("女", 0): "秀英兰珍芳玉华淑桂凤琼素翠萍群蓉珠琴梅菊香桃仙惠",
    ("男", 1): "勇军强伟平斌刚明建华志红兵涛波林东海峰杰辉宏彬国庆",
    ("女", 1): "丽红艳英梅琴芳霞燕萍玲娟静蓉琼敏莉华春慧琳晓",
    ("男", 2): "伟磊杰涛鹏超浩宇俊飞鑫波强亮阳帆凯龙斌勇林晨旭东",
    ("女", 2): "婷丹静敏丽雪琳倩娜欢洁莉颖佳悦晶瑶露雯蕾媛薇娇月",
    ("男", 3): "浩宇轩子梓睿泽一博晨杰鑫俊涵航铭文辰奕皓然宸霖逸",
    ("女", 3): "欣梓涵怡可馨诗雨萱悦佳一思琪雅若语诺妍彤汐沫瑶钰",
}
"""Given-name characters by (sex, era index) [K]; names take one or two of them."""

SINGLE_CHAR_NAME_SHARE = (0.25, 0.30, 0.20, 0.10)
"""Share of one-character given names per era (单名 peaked in the 1960s–80s) [K]."""

ROAD_STEMS = _words(
    "锦绣 天府 蜀都 玉林 芳草 桐梓林 科华 红星 建设 双林 万和 星辉 府青 沙湾 营门口 光华 清江 蜀汉 金府 永丰 "
    "新华 望江 龙舟 琉璃 顺城 东风 锦华 驿都 航空 万安 白家 华阳 正兴 兴隆 滨河 杏林 桂溪 益州 交子 剑南 天鹅 "
    "金沙 青华 文翁 浣花 草堂 同德 荷花池 迎宾 人民 解放 和平 团结 幸福 长顺 宽窄 东城 西城 南苑 北星 金牛 "
    "羊西 蜀西 一品 百花 三圣 龙腾 瑞祥 学府 科园 创业 育才 丽都 桂花 银杏 芙蓉 凤凰 青龙 白鹭 紫荆 玉沙 "
    "府河 沙河 江安 柳城 鱼凫 望丛 古城 安德 花园 书院 文昌 武侯 光明 永安 东升 会龙 红光"
)
"""First parts of synthetic road names (Chengdu-flavoured words, not a street directory) [D]."""

ROAD_SUFFIXES = _words(
    "路 路 路 路 街 街 街 大道 巷 东路 西路 南路 北路 路一段 路二段 路三段 大道一段 大道二段 中路 横街"
)
"""Road-name endings; repeated entries make plain 路/街 commoner than 一段/横街 [D]."""

ROADS_PER_STREET = 16
"""How many synthetic roads each street office/town gets."""

BRAND_CHARS = (
    "蓉锦天府川蜀华鑫盛源达泰恒通宏兴顺瑞祥和嘉康明新信德安宇博远创正丰联合众邦智云海汇金益佳诚利峰航腾旭晟弘"
    "润泽志科辰星悦禾青城岷峨银光辉永茂昌隆广汉鼎成启迪翔骏凯俊美乐雅尚品优佰万亿家福鹏程锐思维卓越奥宸熙"
)
"""Characters 字号 (trade names) are drawn from [D]."""

INDIVIDUAL_BRAND_PATTERNS = ("老{s}", "{s}记", "{s}氏", "{s}姐", "{s}哥", "{s}师傅")
"""How an individual business often names itself after its operator's surname (老王火锅, 李记面馆) [K]."""

PHONE_SECOND_DIGITS: tuple[tuple[int, float], ...] = (
    (3, 0.30), (5, 0.25), (8, 0.25), (7, 0.07), (9, 0.08), (6, 0.03), (4, 0.02),
)  # fmt: skip
"""Second digit of mobile numbers 1[3-9]xxxxxxxxx with rough shares of the numbering plan in use [K]."""

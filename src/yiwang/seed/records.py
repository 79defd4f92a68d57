"""Department records about market entities, generated from an entity chunk's hidden economics (no database).

Owners follow ``registry/data/departments.yaml``. Distributions (tags as in ``/work/shared/design/domain.md``):

- 纳税 (tax): one row per entity and each of the last three full years it existed; revenue = last year's revenue
  shifted by the entity's growth and ±8 % noise (the founding year pro rata); tax paid = revenue × an industry
  rate (1–8 %, log-normal noise); ~2 % of entities owe arrears (more among the dormant); 纳税信用级别 M for
  the founding year or no revenue, C/D with arrears, A for ~8 % (30 % of large payers), B otherwise; none for
  individual businesses (their evaluation is optional).
- 社会保险 (hrss): the last 12 months for trading entities with staff (companies 60–90 % of the time,
  individual businesses with 2+ staff 25 %); insured = 55–100 % of staff, drifting with growth; ~1.2 % in
  arrears for their last 1–6 months (¥800–1,500 per insured person and month).
- 住房公积金 (hfund): the same months for 20 % (under 10 staff) to 85 % (50+) of insured employers; depositors
  60–100 % of the insured; amount = depositors × base (¥2,500–12,000) × rate (5–12 %) × 2; ~1 % in arrears.
- 行政许可 (licences, 双公示 fields, ``credit_fields`` in the shared data sets): 食品经营许可证 (market; 餐饮
  90 %, 住宿 30 %, 零售 45 %, 批发 15 %), 食品生产许可证 (market; food and drink makers), 排污许可证
  (ecoenv; 45–80 % of manufacturers and power plants), 建筑业企业资质证书 (housing; 75 % of construction
  companies), 道路运输经营许可证 (transport; road haulage), 公共场所卫生许可证 (health; hotels, beauty,
  gyms, entertainment). Issued uniformly over one validity period plus eight months (never before the entity
  existed), so about 6 % have lapsed (过期), ~1 % expire within 30 days and ~2.5 % within 90 (measured at
  city scale); an entity's licences die with it (注销).
- 行政处罚 (penalties, 双公示 fields): 4–7 % of entities by industry (catering, manufacturing, construction
  highest), 15 % of them twice; the department follows the industry (market for shops and restaurants,
  ecoenv/emergency for factories, urban/housing for builders, fire and tax everywhere); fines log-normal around
  each violation's typical amount; 公示截止期 = decision + 1 year, + 3 years for serious cases (fine ≥ ¥100 k,
  停产停业 or 吊销) [K: 一般失信 ≤ 1 year, 严重失信 1–3 years, domain.md §4.3].
- 经营异常名录 (market): ~2 % of entities (10 % of dormant ones), mostly for a missing annual report (listed
  in July–September after the 30 June deadline; never in an entity's first year), a third removed later.
- 严重失信主体名单 (ndrc, the credit platform's aggregation): ~0.2 %, 2 % of entities with tax arrears or an
  abnormal listing; reasons from tax (only with arrears), hrss (unpaid wages, mostly construction), market
  (food safety, shops and restaurants) and the courts (失信被执行人).
- 司法判决 (ndrc aggregation): ~1 % of entities have one or two cases in the last five years: civil first
  instance 70 %, appeal 8 %, enforcement 17 %, administrative 5 %; case numbers "（2024）川0107民初1234号".
- 高新技术企业证书 (sci, as an enterprise certificate): ~12 % of trading I/M companies with 5+ staff and revenue, 6 % of
  manufacturers; certified in November–December, valid three years.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from yiwang.kernel.identifiers import USCC_CHARSET
from yiwang.seed import codes, industry, tables, timeutil
from yiwang.seed.generators import (
    STREAM_ABNORMAL,
    STREAM_COURT,
    STREAM_DISHONESTY,
    STREAM_FUND,
    STREAM_HIGH_TECH,
    STREAM_LICENCE,
    STREAM_PENALTY,
    STREAM_SOCIAL,
    STREAM_SOCIAL_ARREARS,
    STREAM_TAX,
    BoolArray,
    City,
    EnterpriseBatch,
    FloatArray,
    const,
    dates,
    join,
    lookup,
    money,
    pick,
    record_table,
)
from yiwang.seed.timeutil import DAY, Days, IntArray

CITY_AREA = 510100
PROVINCE_AREA = 510000

DIVISION_CODES = np.array([d.code for d in industry.DIVISIONS])


@dataclass
class Books:
    """Running counters that keep ids and document numbers unique over every chunk of one generation run."""

    ids: codes.RowIds = field(default_factory=codes.RowIds)
    decisions: codes.SequenceCounter = field(default_factory=codes.SequenceCounter)
    licences: codes.SequenceCounter = field(default_factory=codes.SequenceCounter)
    cases: codes.SequenceCounter = field(default_factory=codes.SequenceCounter)
    certificates: codes.SequenceCounter = field(default_factory=codes.SequenceCounter)


# --------------------------------------------------------------------------------------------- authorities


@cache
def authority_uscc(name: str, area: int) -> str:
    """A stable 统一社会信用代码 for a government office: registrar 1 (机构编制), category 1 (机关), "MB…" code.

    The organisation code is derived from the office name, so the same office gets the same code in every run.
    """
    value = zlib.crc32(name.encode("utf-8")) % 31**6
    body = np.zeros((1, 8), dtype=np.int64)
    body[0, 0] = USCC_CHARSET.index("M")
    body[0, 1] = USCC_CHARSET.index("B")
    for pos in range(6):
        body[0, 2 + pos] = (value // 31 ** (5 - pos)) % 31
    result: str = codes.usccs("1", np.array([1]), np.array([area]), body)[0].as_py()
    return result


def authority_usccs(names: pa.Array, areas: IntArray) -> pa.Array:
    """USCCs of each row's authority (``areas`` 0 = no code published, e.g. a central ministry)."""
    if len(names) == 0:
        return pa.array([], pa.string())
    encoded = names.dictionary_encode()
    index = encoded.indices.to_numpy()
    first_area = np.zeros(len(encoded.dictionary), dtype=np.int64)
    first_area[index[::-1]] = areas[::-1]
    values = [
        authority_uscc(name, int(area)) if area else None
        for name, area in zip(encoded.dictionary.to_pylist(), first_area.tolist(), strict=True)
    ]
    return pa.array(values, pa.string()).take(encoded.indices)


class Office(NamedTuple):
    """A kind of deciding/issuing office: district-level (named after the district) or one city office."""

    suffix: str  # "市场监督管理局" for district offices, the full name for city offices
    district_level: bool
    doc: str  # document-number infix: 市监罚, 环罚 …
    prefix: str = ""  # before the district name: 国家税务总局成都市武侯区税务局


def office_names(city: City, office: Office, district: IntArray) -> tuple[pa.Array, IntArray]:
    """Office names and area codes for each row's district."""
    if office.district_level:
        return join(office.prefix, city.office(district, office.suffix)), city.district_codes[district]
    return const(office.suffix, len(district)), np.full(len(district), CITY_AREA, dtype=np.int64)


def document_prefix(city: City, office: Office, district: IntArray) -> pa.Array:
    """Document-number prefixes: 成武市监罚 for district offices, 成环罚 for city offices."""
    if office.district_level:
        return join("成", pa.array(city.district_abbr, pa.string()).take(pa.array(district)), office.doc)
    return const("成" + office.doc, len(district))


def document_numbers(prefix: pa.Array, year: IntArray, number: IntArray) -> pa.Array:
    """Decision document numbers in their usual form {prefix}〔{year}〕{number}号."""
    return join(prefix, "〔", pc.cast(pa.array(year), pa.string()), "〕", pc.cast(pa.array(number), pa.string()), "号")


def _counter_keys(kind: int, district: IntArray, year: IntArray, *, district_level: bool) -> IntArray:
    place = district if district_level else np.full(len(district), 99, dtype=np.int64)
    result: IntArray = (kind * 100 + place) * 10_000 + year
    return result


# --------------------------------------------------------------------------------------------- tax


def _tax(city: City, batch: EnterpriseBatch, books: Books) -> tuple[pa.Table, BoolArray]:
    """Yearly tax rows, and which entities owe tax arrears."""
    rng = city.rng(STREAM_TAX, batch.start)
    n = len(batch)
    years = np.arange(city.as_of.year - 3, city.as_of.year, dtype=np.int64)
    founded_year, _, _ = timeutil.parts(batch.founded)
    # Entities that ceased stop filing one to three years before today.
    last_year = np.where(batch.alive, city.as_of.year - 1, city.as_of.year - 1 - rng.integers(1, 4, size=n))
    ent = np.repeat(np.arange(n), len(years))
    year = np.tile(years, n)
    keep = (year >= founded_year[ent]) & (year <= last_year[ent])
    ent, year = ent[keep], year[keep]
    m = len(ent)

    offset = year - (city.as_of.year - 1)
    revenue = batch.revenue[ent] * np.exp(batch.growth[ent] * offset + rng.normal(0, 0.08, m))
    year_start = timeutil.year_start(year)
    active = (year_start + 365 - np.maximum(batch.founded[ent], year_start)).astype(np.int64) / 365.0
    revenue = np.round(revenue * np.clip(active, 0.02, 1.0), 2)
    section = batch.section[ent]
    rate = np.select(
        [np.isin(section, ["K", "J", "D"]), np.isin(section, ["C", "I", "B"]), np.isin(section, ["E", "H", "G"])],
        [0.07, 0.04, 0.03],
        default=0.02,
    )
    individual = batch.kind_class[ent] == 0
    rate = np.where(individual, 0.012, rate)
    tax_paid = np.round(revenue * rate * np.exp(rng.normal(0, 0.25, m)), 2)

    dormant = batch.revenue[ent] == 0
    owes = rng.random(n) < np.where(batch.revenue == 0, 0.05, 0.018)
    late_years = year >= city.as_of.year - 1 - rng.integers(0, 2, size=m)
    in_arrears = owes[ent] & late_years
    arrears = np.where(in_arrears, np.round(np.maximum(tax_paid, 2000.0) * rng.uniform(0.05, 0.6, m), 2), 0.0)

    large = revenue > 10e6  # noqa: PLR2004
    u = rng.random(m)
    grade = np.where(u < np.where(large, 0.30, 0.07), "A", "B")
    grade = np.where((year == founded_year[ent]) | dormant | (revenue == 0), "M", grade)
    grade = np.where(in_arrears, np.where(rng.random(m) < 0.4, "D", "C"), grade)  # noqa: PLR2004
    grade_array = pc.if_else(pa.array(individual), pa.scalar(None, pa.string()), pa.array(grade.tolist(), pa.string()))

    filed = np.minimum(timeutil.year_start(year + 1) + 150, city.as_of_day)
    owes_tax = np.zeros(n, dtype=bool)
    owes_tax[ent[in_arrears]] = True
    table = record_table(
        tables.TAX,
        ids=books.ids.take(tables.TAX, m),
        owner="tax",
        subject_kind="enterprise",
        subjects=batch.usccs.take(pa.array(ent)),
        recorded=filed,
        columns={
            "year": pa.array(year, pa.int64()),
            "revenue": money(revenue),
            "tax_paid": money(tax_paid),
            "arrears": money(arrears),
            "credit_grade": grade_array,
        },
    )
    return table, owes_tax


def _periods(city: City) -> Days:
    return np.array([timeutil.month_start(city.as_of, k - 12).isoformat() for k in range(12)], dtype="datetime64[D]")


InsuredRows: TypeAlias = tuple[IntArray, IntArray, IntArray]
"""(entity index, month index, insured employees) of each social-insurance row."""


def _insured(city: City, batch: EnterpriseBatch) -> InsuredRows:
    """Entities that pay social insurance: (entity index, month index, insured employees) per row."""
    rng = city.rng(STREAM_SOCIAL, batch.start)
    n = len(batch)
    individual = batch.kind_class == 0
    staff = batch.employees
    p_insure = np.where(individual, np.where(staff >= 2, 0.25, 0.0), np.where(staff >= 5, 0.9, 0.6))  # noqa: PLR2004
    insures = batch.alive & (staff >= 1) & (rng.random(n) < p_insure)
    base = np.maximum(1, np.round(staff * rng.uniform(0.55, 1.0, n)))
    periods = _periods(city)
    ent = np.repeat(np.arange(n, dtype=np.int64), 12)
    month = np.tile(np.arange(12, dtype=np.int64), n)
    month_end = timeutil.add_months(periods, 1)[month] - DAY
    keep = insures[ent] & (batch.founded[ent] <= month_end)
    ent, month = ent[keep], month[keep]
    drift = np.exp(batch.growth[ent] / 12 * (month - 11))
    noise = rng.normal(0, 0.03, len(ent))
    insured = np.maximum(0, np.round(base[ent] * drift * (1 + noise))).astype(np.int64)
    return ent, month, insured


def _social_insurance(city: City, batch: EnterpriseBatch, books: Books) -> tuple[pa.Table, InsuredRows]:
    ent, month, insured = _insured(city, batch)
    rng = city.rng(STREAM_SOCIAL_ARREARS, batch.start)
    n, m = len(batch), len(ent)
    periods = _periods(city)
    owes = rng.random(n) < np.where(batch.revenue == 0, 0.05, 0.012)
    since = 12 - rng.integers(1, 7, size=n)
    in_arrears = owes[ent] & (month >= since[ent])
    arrears = np.where(in_arrears, np.round(insured * rng.uniform(800, 1500, m), 2), 0.0)
    table = record_table(
        tables.SOCIAL_INSURANCE,
        ids=books.ids.take(tables.SOCIAL_INSURANCE, m),
        owner="hrss",
        subject_kind="enterprise",
        subjects=batch.usccs.take(pa.array(ent)),
        recorded=timeutil.add_months(periods[month], 1) + 14,
        columns={
            "period": dates(periods[month]),
            "insured_employees": pa.array(insured, pa.int64()),
            "arrears": money(arrears),
        },
    )
    return table, (ent, month, insured)


def _housing_fund(city: City, batch: EnterpriseBatch, books: Books, insured_rows: InsuredRows) -> pa.Table:
    rng = city.rng(STREAM_FUND, batch.start)
    ent, month, insured = insured_rows
    n = len(batch)
    staff = batch.employees
    p_fund = np.select([staff >= 50, staff >= 10], [0.85, 0.55], default=0.2)  # noqa: PLR2004
    funds = rng.random(n) < p_fund
    share = rng.uniform(0.6, 1.0, n)
    base = rng.uniform(2500, 12000, n)
    rate = rng.integers(5, 13, size=n) / 100.0
    owes = rng.random(n) < 0.01  # noqa: PLR2004
    since = 12 - rng.integers(1, 5, size=n)
    keep = funds[ent] & (insured > 0)
    ent, month, insured = ent[keep], month[keep], insured[keep]
    depositing = np.maximum(1, np.round(insured * share[ent])).astype(np.int64)
    amount = np.round(depositing * base[ent] * rate[ent] * 2, 2)
    in_arrears = owes[ent] & (month >= since[ent])
    periods = _periods(city)
    return record_table(
        tables.HOUSING_FUND,
        ids=books.ids.take(tables.HOUSING_FUND, len(ent)),
        owner="hfund",
        subject_kind="enterprise",
        subjects=batch.usccs.take(pa.array(ent)),
        recorded=timeutil.add_months(periods[month], 1) + 9,
        columns={
            "period": dates(periods[month]),
            "depositing_employees": pa.array(depositing, pa.int64()),
            "amount": money(np.where(in_arrears, 0.0, amount)),
            "arrears": money(np.where(in_arrears, amount, 0.0)),
        },
    )


# --------------------------------------------------------------------------------------------- licences


class LicenceRule(NamedTuple):
    """Who holds a licence type: probability per division, validity, issuer and how numbers look."""

    licence_type: str
    department: str
    office: Office
    years: int
    category: str  # 许可类别
    chances: dict[str, float]  # division → probability
    contents: tuple[str, ...]


LICENCE_RULES: tuple[LicenceRule, ...] = (
    LicenceRule(
        "食品经营许可证",
        "market",
        Office("市场监督管理局", district_level=True, doc="市监食许"),
        5,
        "普通",
        {"62": 0.9, "61": 0.3, "52": 0.45, "51": 0.15, "85": 0.3},
        (
            "主体业态：餐饮服务经营者；经营项目：热食类食品制售",
            "主体业态：餐饮服务经营者；经营项目：热食类食品制售、冷食类食品制售、自制饮品制售",
            "主体业态：食品销售经营者；经营项目：预包装食品（含冷藏冷冻食品）销售",
            "主体业态：食品销售经营者；经营项目：预包装食品（含冷藏冷冻食品）销售、散装食品（含冷藏冷冻食品）销售",
        ),
    ),
    LicenceRule(
        "食品生产许可证",
        "market",
        Office("成都市市场监督管理局", district_level=False, doc="市监食生许"),
        5,
        "普通",
        {"13": 0.5, "14": 0.7, "15": 0.6},
        (
            "食品类别：粮食加工品",
            "食品类别：调味品",
            "食品类别：饮料",
            "食品类别：酒类",
            "食品类别：茶叶及相关制品",
            "食品类别：糕点",
            "食品类别：肉制品",
            "食品类别：方便食品",
        ),
    ),
    LicenceRule(
        "排污许可证",
        "ecoenv",
        Office("成都市生态环境局", district_level=False, doc="环排许"),
        5,
        "普通",
        {
            **dict.fromkeys(("13", "14", "15", "17", "18", "20", "21", "23", "29", "34", "35", "36", "37", "38"), 0.45),
            **dict.fromkeys(("26", "27", "30", "33", "39", "44"), 0.8),
            "77": 0.3,
        },
        ("管理类别：重点管理", "管理类别：简化管理", "管理类别：简化管理"),
    ),
    LicenceRule(
        "建筑业企业资质证书",
        "housing",
        Office("成都市住房和城乡建设局", district_level=False, doc="建资许"),
        5,
        "认可",
        {"47": 0.75, "48": 0.75, "49": 0.75, "50": 0.75},
        (),  # by division, see _qualification
    ),
    LicenceRule(
        "道路运输经营许可证",
        "transport",
        Office("交通运输局", district_level=True, doc="交运许"),
        6,
        "普通",
        {"54": 0.85, "58": 0.4, "59": 0.3},
        (
            "经营范围：道路普通货物运输",
            "经营范围：道路普通货物运输",
            "经营范围：道路普通货物运输、货物专用运输（集装箱）",
            "经营范围：道路旅客运输（班车客运）",
            "经营范围：道路危险货物运输",
        ),
    ),
    LicenceRule(
        "公共场所卫生许可证",
        "health",
        Office("卫生健康局", district_level=True, doc="卫公许"),
        4,
        "普通",
        {"61": 0.9, "80": 0.6, "89": 0.4, "90": 0.4},
        (
            "许可项目：住宿场所",
            "许可项目：美容美发场所",
            "许可项目：沐浴场所",
            "许可项目：游泳场所",
            "许可项目：歌舞厅",
        ),
    ),
)
"""The licence types of the synthetic city (brief and domain.md §4), in a fixed order (part of the output)."""

QUALIFICATIONS = {
    "47": "建筑工程施工总承包",
    "48": "市政公用工程施工总承包",
    "49": "机电工程施工总承包",
    "50": "建筑装修装饰工程专业承包",
}
"""The main qualification of each construction division."""


def _licence_numbers(
    city: City,
    batch: EnterpriseBatch,
    books: Books,
    rng: np.random.Generator,
    *,
    rule_index: int,
    ent: IntArray,
    year: IntArray,
) -> tuple[pa.Array, pa.Array]:
    """Licence numbers in each type's usual form, and the qualification level where there is one."""
    rule = LICENCE_RULES[rule_index]
    district = batch.district[ent]
    area = pc.cast(pa.array(city.district_codes[district]), pa.string())
    m = len(ent)
    seq = books.licences.take(_counter_keys(rule_index, district, np.zeros(m, dtype=np.int64), district_level=True))
    seq6 = pc.utf8_lpad(pc.cast(pa.array(seq), pa.string()), width=6, padding="0")
    level = const("", m)
    if rule.licence_type == "食品经营许可证":
        kind = pc.if_else(pa.array(np.isin(batch.section[ent], ["H"])), "2", "1")
        check = pc.cast(pa.array(rng.integers(0, 10, size=m)), pa.string())
        number = join("JY", kind, area, seq6, check)
    elif rule.licence_type == "食品生产许可证":
        category = pc.cast(pa.array(rng.integers(101, 132, size=m)), pa.string())
        number = join(
            "SC",
            category,
            area,
            pc.utf8_slice_codeunits(seq6, 2, 6),
            pc.cast(pa.array(rng.integers(0, 10, size=m)), pa.string()),
        )
    elif rule.licence_type == "排污许可证":
        number = join(batch.usccs.take(pa.array(ent)), "001P")
    elif rule.licence_type == "建筑业企业资质证书":
        grade = pick(rng, [0.08, 0.32, 0.60], m)  # 一级 / 二级 / 三级
        level = pa.array(["一级", "二级", "三级"], pa.string()).take(pa.array(grade))
        approver = pa.array(["1", "2", "3"], pa.string()).take(pa.array(grade))
        # Certificate numbers run per approving level, not per district.
        by_level = books.licences.take(
            _counter_keys(90 + rule_index, grade, np.zeros(m, dtype=np.int64), district_level=True)
        )
        number = join("D", approver, "51", pc.utf8_lpad(pc.cast(pa.array(by_level), pa.string()), width=6, padding="0"))
    elif rule.licence_type == "道路运输经营许可证":
        number = join("川交运管许可成字", area, seq6, "号")
    else:
        number = join("川卫公证字〔", pc.cast(pa.array(year), pa.string()), "〕第", area, seq6, "号")
    return number, level


def _licences(city: City, batch: EnterpriseBatch, books: Books) -> pa.Table:
    rng = city.rng(STREAM_LICENCE, batch.start)
    today = city.as_of_day
    division = DIVISION_CODES[batch.division]
    parts: list[pa.Table] = []
    for rule_index, rule in enumerate(LICENCE_RULES):
        chance = np.array([rule.chances.get(code, 0.0) for code in DIVISION_CODES.tolist()])[batch.division]
        if rule.licence_type == "建筑业企业资质证书":
            chance = np.where(batch.kind_class == 0, 0.0, chance)  # qualifications are for companies
        ent = np.flatnonzero(rng.random(len(batch)) < chance)
        m = len(ent)
        span = rule.years * 365 + 240
        issued = today - np.floor(rng.random(m) * span).astype(np.int64)
        issued = np.minimum(np.maximum(issued, batch.founded[ent] + rng.integers(10, 120, size=m)), today)
        valid_to = timeutil.add_years(issued, rule.years) - DAY
        status = np.where(valid_to < today, "过期", "有效")
        status = np.where(rng.random(m) < 0.005, "撤销", status)  # noqa: PLR2004
        status = np.where(batch.alive[ent], status, "注销")
        year, _, _ = timeutil.parts(issued)
        number, level = _licence_numbers(city, batch, books, rng, rule_index=rule_index, ent=ent, year=year)
        district = batch.district[ent]
        authority, area = office_names(city, rule.office, district)
        if rule.licence_type == "建筑业企业资质证书":
            levels = level.to_pylist()
            authority = pa.array(
                [
                    {"一级": "中华人民共和国住房和城乡建设部", "二级": "四川省住房和城乡建设厅"}.get(
                        lv, "成都市住房和城乡建设局"
                    )
                    for lv in levels
                ],
                pa.string(),
            )
            area = np.array([{"一级": 0, "二级": PROVINCE_AREA}.get(lv, CITY_AREA) for lv in levels], dtype=np.int64)
            content = join(pa.array([QUALIFICATIONS[c] for c in division[ent]], pa.string()), level)
        else:
            content = pa.array(list(rule.contents), pa.string()).take(
                pa.array(rng.integers(0, len(rule.contents), size=m))
            )
        decision_no = books.licences.take(
            _counter_keys(50 + rule_index, district, year, district_level=rule.office.district_level)
        )
        parts.append(
            record_table(
                tables.LICENCES,
                ids=books.ids.take(tables.LICENCES, m),
                owner=rule.department,
                subject_kind="enterprise",
                subjects=batch.usccs.take(pa.array(ent)),
                recorded=issued,
                columns={
                    "licence_type": const(rule.licence_type, m),
                    "licence_number": number,
                    "decision_number": document_numbers(
                        document_prefix(city, rule.office, district), year, decision_no
                    ),
                    "licence_category": const(rule.category, m),
                    "issuing_authority": authority,
                    "authority_uscc": authority_usccs(authority, area),
                    "issued_on": dates(issued),
                    "valid_from": dates(issued),
                    "valid_to": dates(valid_to),
                    "status": pa.array(status.tolist(), pa.string()),
                    "content": content,
                },
            )
        )
    return pa.concat_tables(parts)


# --------------------------------------------------------------------------------------------- penalties


class Violation(NamedTuple):
    """A kind of violation a department punishes: what happened, the provision applied, the usual fine."""

    violation_type: str
    fact: str
    basis: str  # article numbers as commonly cited in decisions [K]
    typical_fine: float  # yuan


class PenaltyOffice(NamedTuple):
    """A department that decides penalties, its office and what it punishes."""

    department: str
    office: Office
    licence: str  # licence it may revoke
    categories: tuple[tuple[str, float], ...]  # 处罚类别 (、-separated) with weights
    violations: tuple[Violation, ...]


_COMMON_CATEGORIES = (("罚款", 0.65), ("警告", 0.15), ("警告、罚款", 0.12))

PENALTY_OFFICES: tuple[PenaltyOffice, ...] = (
    PenaltyOffice(
        "market",
        Office("市场监督管理局", district_level=True, doc="市监罚"),
        "食品经营许可证",
        (*_COMMON_CATEGORIES, ("没收违法所得、罚款", 0.07), ("罚款、吊销许可证件", 0.01)),
        (
            Violation(
                "销售不符合食品安全标准的食品",
                "销售的食品经抽样检验不合格",
                "《中华人民共和国食品安全法》第一百二十四条第一款",
                20000,
            ),
            Violation(
                "经营超过保质期的食品",
                "在经营场所陈列销售超过保质期的食品",
                "《中华人民共和国食品安全法》第一百二十四条第一款",
                8000,
            ),
            Violation(
                "未取得食品经营许可从事食品经营活动",
                "未取得食品经营许可从事餐饮服务",
                "《中华人民共和国食品安全法》第一百二十二条第一款",
                10000,
            ),
            Violation(
                "发布虚假广告", "在网络店铺发布含有虚假内容的广告", "《中华人民共和国广告法》第五十五条第一款", 30000
            ),
            Violation("不按规定明码标价", "销售商品未按规定明码标价", "《中华人民共和国价格法》第四十二条", 2000),
            Violation(
                "使用未经检定的计量器具", "使用未经检定的电子计价秤", "《中华人民共和国计量法实施细则》第四十三条", 1000
            ),
        ),
    ),
    PenaltyOffice(
        "ecoenv",
        Office("成都市生态环境局", district_level=False, doc="环罚"),
        "排污许可证",
        (("罚款", 0.88), ("罚款、责令停产停业", 0.1), ("罚款、吊销许可证件", 0.02)),
        (
            Violation(
                "超标排放大气污染物",
                "废气排放口颗粒物排放浓度超过国家排放标准",
                "《中华人民共和国大气污染防治法》第九十九条第二项",
                150000,
            ),
            Violation(
                "未依法取得排污许可证排放污染物",
                "未取得排污许可证排放水污染物",
                "《排污许可管理条例》第三十三条第一项",
                200000,
            ),
            Violation(
                "未批先建",
                "建设项目环境影响评价文件未经批准擅自开工建设",
                "《中华人民共和国环境影响评价法》第三十一条第一款",
                100000,
            ),
            Violation(
                "未按规定贮存危险废物",
                "将危险废物露天堆放，未按规定贮存",
                "《中华人民共和国固体废物污染环境防治法》第一百一十二条第一款",
                100000,
            ),
        ),
    ),
    PenaltyOffice(
        "emergency",
        Office("应急管理局", district_level=True, doc="应急罚"),
        "",
        (("罚款", 0.85), ("警告、罚款", 0.1), ("罚款、责令停产停业", 0.05)),
        (
            Violation(
                "未按规定对从业人员进行安全生产教育和培训",
                "未按规定对从业人员进行安全生产教育和培训",
                "《中华人民共和国安全生产法》第九十七条第三项",
                20000,
            ),
            Violation(
                "未建立事故隐患排查治理制度",
                "未建立事故隐患排查治理制度，未如实记录隐患排查治理情况",
                "《中华人民共和国安全生产法》第一百零一条第五项",
                30000,
            ),
            Violation(
                "特种作业人员无证上岗",
                "特种作业人员未取得相应资格上岗作业",
                "《中华人民共和国安全生产法》第九十七条第七项",
                30000,
            ),
        ),
    ),
    PenaltyOffice(
        "urban",
        Office("综合行政执法局", district_level=True, doc="综执罚"),
        "",
        (("罚款", 0.85), ("警告、罚款", 0.15)),
        (
            Violation(
                "施工工地未采取有效防尘降尘措施",
                "施工工地裸土未覆盖，未采取有效防尘降尘措施",
                "《中华人民共和国大气污染防治法》第一百一十五条第一款第一项",
                20000,
            ),
            Violation(
                "擅自占用城市道路从事经营活动",
                "擅自占用人行道摆摊设点从事经营活动",
                "《城市市容和环境卫生管理条例》第三十六条第二项",
                500,
            ),
            Violation(
                "擅自设置户外广告",
                "未经批准擅自设置户外广告设施",
                "《城市市容和环境卫生管理条例》第三十六条第三项",
                2000,
            ),
            Violation(
                "运输建筑垃圾沿途遗撒", "运输建筑垃圾车辆未密闭，沿途遗撒", "《城市建筑垃圾管理规定》第二十三条", 5000
            ),
        ),
    ),
    PenaltyOffice(
        "fire",
        Office("消防救援大队", district_level=True, doc="消行罚决字"),
        "",
        (("罚款", 0.8), ("警告", 0.12), ("罚款、责令停产停业", 0.08)),
        (
            Violation(
                "消防设施、器材未保持完好有效",
                "消防设施、器材未保持完好有效",
                "《中华人民共和国消防法》第六十条第一款第一项",
                8000,
            ),
            Violation(
                "占用、堵塞、封闭疏散通道、安全出口",
                "在疏散通道堆放杂物，堵塞疏散通道",
                "《中华人民共和国消防法》第六十条第一款第三项",
                10000,
            ),
            Violation(
                "公众聚集场所未经消防安全检查擅自投入使用、营业",
                "公众聚集场所未经消防安全检查擅自投入营业",
                "《中华人民共和国消防法》第五十八条第一款第四项",
                50000,
            ),
        ),
    ),
    PenaltyOffice(
        "tax",
        Office("税务局", district_level=True, doc="税罚", prefix="国家税务总局"),
        "",
        (("罚款", 0.9), ("没收违法所得、罚款", 0.1)),
        (
            Violation(
                "未按照规定期限办理纳税申报",
                "未按照规定期限办理纳税申报和报送纳税资料",
                "《中华人民共和国税收征收管理法》第六十二条",
                500,
            ),
            Violation(
                "未按照规定开具发票",
                "销售货物未按照规定开具发票",
                "《中华人民共和国发票管理办法》第三十三条第一项",
                1000,
            ),
            Violation(
                "逃避缴纳税款",
                "通过少列收入方式少缴应纳税款",
                "《中华人民共和国税收征收管理法》第六十三条第一款",
                80000,
            ),
        ),
    ),
    PenaltyOffice(
        "housing",
        Office("成都市住房和城乡建设局", district_level=False, doc="建罚"),
        "建筑业企业资质证书",
        (("罚款", 0.9), ("罚款、责令停产停业", 0.08), ("罚款、吊销许可证件", 0.02)),
        (
            Violation(
                "未取得施工许可证擅自施工", "未取得施工许可证擅自开工建设", "《建设工程质量管理条例》第五十七条", 50000
            ),
            Violation(
                "违反工程建设强制性标准", "施工中违反工程建设强制性标准", "《建设工程质量管理条例》第六十四条", 100000
            ),
        ),
    ),
)
"""Departments that decide penalties (brief: market, ecoenv, emergency, urban, fire, tax …), in a fixed order."""

_OFFICE_INDEX = {office.department: i for i, office in enumerate(PENALTY_OFFICES)}

PENALTY_CHANCE = {"H": 0.07, "C": 0.06, "E": 0.06, "F": 0.045, "G": 0.04}
"""Share of entities penalised within three years by section; 2.5 % elsewhere [D]."""

PENALTY_MIX: dict[str, dict[str, float]] = {
    "H": {"market": 0.6, "fire": 0.2, "urban": 0.15, "tax": 0.05},
    "F": {"market": 0.6, "tax": 0.15, "fire": 0.1, "urban": 0.15},
    "C": {"ecoenv": 0.45, "emergency": 0.3, "market": 0.1, "fire": 0.1, "tax": 0.05},
    "E": {"urban": 0.45, "emergency": 0.25, "housing": 0.1, "fire": 0.05, "tax": 0.15},
    "": {"market": 0.4, "tax": 0.3, "fire": 0.2, "urban": 0.1},
}
"""Which department punishes an entity of a section ("" = any other section) [D]."""

SERIOUS_FINE = 100_000.0


def _amount_text(values: np.ndarray) -> list[str]:
    return [f"{v:,.2f}".rstrip("0").rstrip(".") for v in values.tolist()]


def _deciding_offices(rng: np.random.Generator, sections: NDArray[np.str_]) -> IntArray:
    """Index into PENALTY_OFFICES of the department deciding each penalty, by the entity's section."""
    office_index = np.zeros(len(sections), dtype=np.int64)
    named = [k for k in PENALTY_MIX if k]
    for section_key, mix in PENALTY_MIX.items():
        rows = np.flatnonzero(sections == section_key) if section_key else np.flatnonzero(~np.isin(sections, named))
        choice = pick(rng, list(mix.values()), len(rows))
        office_index[rows] = np.array([_OFFICE_INDEX[d] for d in mix])[choice]
    return office_index


@dataclass
class _PenaltyRows:
    """Per-row decisions of one chunk of penalties, filled office by office."""

    size: int
    violation: IntArray = field(init=False)
    category: list[str] = field(init=False)
    fine: FloatArray = field(init=False)
    confiscated: FloatArray = field(init=False)
    authority: list[str | None] = field(init=False)
    prefix: list[str | None] = field(init=False)
    area: IntArray = field(init=False)
    number: IntArray = field(init=False)

    def __post_init__(self) -> None:
        self.violation = np.zeros(self.size, dtype=np.int64)
        self.category = [""] * self.size
        self.fine = np.zeros(self.size)
        self.confiscated = np.zeros(self.size)
        self.authority = [None] * self.size
        self.prefix = [None] * self.size
        self.area = np.zeros(self.size, dtype=np.int64)
        self.number = np.zeros(self.size, dtype=np.int64)


def _decide(
    city: City,
    rng: np.random.Generator,
    books: Books,
    *,
    office_index: IntArray,
    district: IntArray,
    year: IntArray,
) -> _PenaltyRows:
    """Violation, category, amounts, authority and document number of each penalty, office by office."""
    out = _PenaltyRows(len(office_index))
    for i, office in enumerate(PENALTY_OFFICES):
        rows = np.flatnonzero(office_index == i)
        k = len(rows)
        if k == 0:
            continue
        out.violation[rows] = rng.integers(0, len(office.violations), size=k)
        categories = pick(rng, [w for _, w in office.categories], k)
        for row, c in zip(rows.tolist(), categories.tolist(), strict=True):
            out.category[row] = office.categories[c][0]
        typical = np.array([v.typical_fine for v in office.violations])[out.violation[rows]]
        raw = typical * np.exp(rng.normal(0, 0.7, k))
        step = np.where(raw >= 1000, 100.0, 50.0)  # noqa: PLR2004 - round fines to 100 (or 50 below 1,000)
        out.fine[rows] = np.clip(np.round(raw / step) * step, 50, typical * 20)
        out.confiscated[rows] = np.round(2000 * np.exp(rng.normal(0, 1.0, k)), 2)
        names, areas = office_names(city, office.office, district[rows])
        prefixes = document_prefix(city, office.office, district[rows])
        for j, row in enumerate(rows.tolist()):
            out.authority[row] = names[j].as_py()
            out.prefix[row] = prefixes[j].as_py()
        out.area[rows] = areas
        keys = _counter_keys(i, district[rows], year[rows], district_level=office.office.district_level)
        out.number[rows] = books.decisions.take(keys)
    out.fine = np.where([c == "警告" for c in out.category], 0.0, out.fine)
    out.confiscated = np.where(["没收违法所得" in c for c in out.category], out.confiscated, 0.0)
    return out


def _penalty_content(category: str, fine: str, confiscated: str) -> str:
    parts = []
    if "警告" in category:
        parts.append("警告")
    if "没收违法所得" in category:
        parts.append(f"没收违法所得人民币{confiscated}元")
    if "罚款" in category:
        parts.append(f"罚款人民币{fine}元")
    if "责令停产停业" in category:
        parts.append("责令停产停业整顿")
    if "吊销许可证件" in category:
        parts.append("吊销许可证件")
    return "；".join(parts)


def _penalties(city: City, batch: EnterpriseBatch, books: Books) -> pa.Table:
    rng = city.rng(STREAM_PENALTY, batch.start)
    n = len(batch)
    chance = lookup(batch.section, PENALTY_CHANCE, 0.025)
    hit = rng.random(n) < chance
    times = 1 + (rng.random(n) < 0.15) + (rng.random(n) < 0.03)  # noqa: PLR2004
    ent = np.repeat(np.flatnonzero(hit), times[hit])
    m = len(ent)
    office_index = _deciding_offices(rng, batch.section[ent])
    today = city.as_of_day
    decided = today - np.floor(rng.random(m) * 3 * 365).astype(np.int64)
    decided = np.minimum(np.maximum(decided, batch.founded[ent] + 30), today)
    year, _, _ = timeutil.parts(decided)
    rows = _decide(city, rng, books, office_index=office_index, district=batch.district[ent], year=year)

    offices = [PENALTY_OFFICES[i] for i in office_index.tolist()]
    chosen = [o.violations[v] for o, v in zip(offices, rows.violation.tolist(), strict=True)]
    serious = (rows.fine >= SERIOUS_FINE) | np.array(
        ["停产停业" in c or "吊销" in c for c in rows.category], dtype=bool
    )
    authority = pa.array(rows.authority, pa.string())
    contents = [
        _penalty_content(c, f, k)
        for c, f, k in zip(rows.category, _amount_text(rows.fine), _amount_text(rows.confiscated), strict=True)
    ]
    return record_table(
        tables.PENALTIES,
        ids=books.ids.take(tables.PENALTIES, m),
        owner=pa.array([o.department for o in offices], pa.string()),
        subject_kind="enterprise",
        subjects=batch.usccs.take(pa.array(ent)),
        recorded=decided + rng.integers(1, 8, size=m),
        columns={
            "decision_number": document_numbers(pa.array(rows.prefix, pa.string()), year, rows.number),
            "violation_type": pa.array([v.violation_type for v in chosen], pa.string()),
            "facts": pa.array([f"经查，当事人{v.fact}。" for v in chosen], pa.string()),
            "penalty_category": pa.array(rows.category, pa.string()),
            "fine_amount": money(rows.fine),
            "confiscated_amount": money(rows.confiscated),
            "revoked_licence": pa.array(
                [o.licence if "吊销" in c else "" for o, c in zip(offices, rows.category, strict=True)], pa.string()
            ),
            "decided_on": dates(decided),
            "deciding_authority": authority,
            "authority_uscc": authority_usccs(authority, rows.area),
            "publicity_until": dates(timeutil.add_years(decided, np.where(serious, 3, 1))),
            "basis": pa.array([v.basis for v in chosen], pa.string()),
            "content": pa.array(contents, pa.string()),
        },
    )


# --------------------------------------------------------------------------------------------- lists


ABNORMAL_REASONS: tuple[tuple[str, str, float], ...] = (
    ("未依照《企业信息公示暂行条例》第八条规定的期限公示年度报告", "补报未报年份的年度报告并公示", 0.7),
    ("通过登记的住所或者经营场所无法联系", "依法办理住所或者经营场所变更登记", 0.25),
    ("公示企业信息隐瞒真实情况、弄虚作假", "更正其公示的信息", 0.03),
    ("未在责令的期限内公示有关企业信息", "公示有关企业信息", 0.02),
)
"""经营异常名录 reasons (《企业信息公示暂行条例》, 《企业经营异常名录管理暂行办法》) and the matching way out."""


def _abnormal(city: City, batch: EnterpriseBatch, books: Books) -> tuple[pa.Table, BoolArray]:
    rng = city.rng(STREAM_ABNORMAL, batch.start)
    n = len(batch)
    chance = np.where(batch.revenue == 0, 0.1, np.where(batch.kind_class == 0, 0.015, 0.035))
    listed_mask = rng.random(n) < chance
    ent = np.flatnonzero(listed_mask)
    m = len(ent)
    reason = pick(rng, [w for _, _, w in ABNORMAL_REASONS], m)
    today = city.as_of_day
    # Annual reports are due by 30 June; missing ones are listed over the following summer.
    report_year = city.as_of.year - rng.integers(1, 4, size=m)
    summer = timeutil.year_start(report_year) + 181 + rng.integers(0, 92, size=m)
    anytime = today - np.floor(rng.random(m) * 3 * 365).astype(np.int64)
    listed = np.minimum(np.where(reason == 0, summer, anytime), today)
    # Only entities that had a year to file can miss a report; the others drop out of the list.
    possible = listed >= batch.founded[ent] + 365
    listed_mask[ent[~possible]] = False
    ent, reason, listed = ent[possible], reason[possible], listed[possible]
    m = len(ent)
    removed = listed + rng.integers(20, 400, size=m)
    is_removed = (rng.random(m) < 0.35) & (removed <= today)  # noqa: PLR2004
    authority = city.office(batch.district[ent], "市场监督管理局")
    table = record_table(
        tables.ABNORMAL,
        ids=books.ids.take(tables.ABNORMAL, m),
        owner="market",
        subject_kind="enterprise",
        subjects=batch.usccs.take(pa.array(ent)),
        recorded=listed,
        columns={
            "listed_on": dates(listed),
            "reason": pa.array([r for r, _, _ in ABNORMAL_REASONS], pa.string()).take(pa.array(reason)),
            "listing_authority": authority,
            "removed_on": pa.array(np.where(is_removed, removed, np.datetime64("NaT")), pa.date32()),
            "removal_reason": pc.if_else(
                pa.array(is_removed),
                pa.array([r for _, r, _ in ABNORMAL_REASONS], pa.string()).take(pa.array(reason)),
                pa.scalar(None, pa.string()),
            ),
        },
    )
    return table, listed_mask


DISHONESTY_REASONS: tuple[tuple[str, str], ...] = (
    ("重大税收违法失信主体", "tax"),
    ("拖欠农民工工资失信联合惩戒对象", "hrss"),
    ("食品安全严重违法失信", "market"),
    ("失信被执行人", "court"),
)
"""Why entities land on the 严重失信主体名单 and who decided it [K]."""


def _dishonesty_weights(batch: EnterpriseBatch, ent: IntArray, owes_tax: BoolArray) -> FloatArray:
    """Per row, how likely each reason is: tax only with arrears, wages mostly in construction, food in F/H."""
    section = batch.section[ent]
    return np.column_stack(
        [
            np.where(owes_tax[ent], 0.3, 0.0),
            np.where(section == "E", 0.25, 0.05),
            np.where(np.isin(section, ["F", "H"]), 0.2, 0.0),
            np.full(len(ent), 0.3),
        ]
    )


def _dishonesty(
    city: City, batch: EnterpriseBatch, books: Books, *, abnormal: BoolArray, owes_tax: BoolArray
) -> pa.Table:
    rng = city.rng(STREAM_DISHONESTY, batch.start)
    n = len(batch)
    ent = np.flatnonzero(rng.random(n) < np.where(abnormal | owes_tax, 0.02, 0.0015))
    m = len(ent)
    weights = _dishonesty_weights(batch, ent, owes_tax)
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    reason = np.minimum((cumulative < rng.random(m)[:, None]).sum(axis=1), len(DISHONESTY_REASONS) - 1)
    today = city.as_of_day
    listed = today - np.floor(rng.random(m) * 4 * 365).astype(np.int64)
    listed = np.minimum(np.maximum(listed, batch.founded[ent] + 365), today)
    district = batch.district[ent]
    deciders = {
        "tax": const("国家税务总局成都市税务局", m),
        "hrss": const("成都市人力资源和社会保障局", m),
        "market": city.office(district, "市场监督管理局"),
        "court": city.office(district, "人民法院"),
    }
    source = [DISHONESTY_REASONS[r][1] for r in reason.tolist()]
    authority = pa.array([deciders[s][i].as_py() for i, s in enumerate(source)], pa.string())
    removed = listed + rng.integers(365, 3 * 365, size=m)
    is_removed = (rng.random(m) < 0.1) & (removed <= today)  # noqa: PLR2004
    return record_table(
        tables.DISHONESTY,
        ids=books.ids.take(tables.DISHONESTY, m),
        owner="ndrc",
        subject_kind="enterprise",
        subjects=batch.usccs.take(pa.array(ent)),
        recorded=listed + 3,
        columns={
            "listed_on": dates(listed),
            "reason": pa.array([r for r, _ in DISHONESTY_REASONS], pa.string()).take(pa.array(reason)),
            "listing_authority": authority,
            "removed_on": pa.array(np.where(is_removed, removed, np.datetime64("NaT")), pa.date32()),
        },
    )


CASE_KINDS: tuple[tuple[str, str, float, tuple[tuple[str, float], ...]], ...] = (
    ("民事", "民初", 0.70, (("原告", 0.45), ("被告", 0.55))),
    ("民事", "民终", 0.08, (("上诉人", 0.5), ("被上诉人", 0.5))),
    ("执行", "执", 0.17, (("被执行人", 0.7), ("申请执行人", 0.3))),
    ("行政", "行初", 0.05, (("原告", 1.0),)),
)
"""(案件类型, 案号 type code, share, party roles) of an entity's court cases [K]."""

CAUSES = ("买卖合同纠纷", "借款合同纠纷", "劳动争议", "建设工程施工合同纠纷", "房屋租赁合同纠纷", "服务合同纠纷",
          "承揽合同纠纷", "民间借贷纠纷", "运输合同纠纷", "侵害商标权纠纷")  # fmt: skip
"""Common civil causes of action (案由) of enterprise cases."""


def _court(city: City, batch: EnterpriseBatch, books: Books) -> pa.Table:
    rng = city.rng(STREAM_COURT, batch.start)
    n = len(batch)
    hit = rng.random(n) < 0.01  # noqa: PLR2004
    times = 1 + (rng.random(n) < 0.25)  # noqa: PLR2004
    ent = np.repeat(np.flatnonzero(hit), times[hit])
    m = len(ent)
    kind = pick(rng, [w for _, _, w, _ in CASE_KINDS], m)
    today = city.as_of_day
    judged = today - np.floor(rng.random(m) * 5 * 365).astype(np.int64)
    judged = np.minimum(np.maximum(judged, batch.founded[ent] + 60), today)
    year, _, _ = timeutil.parts(judged)
    district = batch.district[ent]
    appeal = kind == 1
    court_code = np.where(appeal, 100, city.district_codes[district] % 10_000)  # 川0107 district court, 川01 中院
    court_text = pc.if_else(
        pa.array(appeal), "01", pc.utf8_lpad(pc.cast(pa.array(court_code), pa.string()), width=4, padding="0")
    )
    court = pc.if_else(pa.array(appeal), "四川省成都市中级人民法院", city.office(district, "人民法院"))
    keys = (court_code * 10 + kind) * 10_000 + year
    seq = books.cases.take(keys)
    type_code = pa.array([c for _, c, _, _ in CASE_KINDS], pa.string()).take(pa.array(kind))
    case_number = join(
        "（",
        pc.cast(pa.array(year), pa.string()),
        "）川",
        court_text,
        type_code,
        pc.cast(pa.array(seq), pa.string()),
        "号",
    )
    roles: list[str] = [""] * m
    for k, (_, _, _, options) in enumerate(CASE_KINDS):
        rows = np.flatnonzero(kind == k)
        chosen = pick(rng, [w for _, w in options], len(rows))
        for row, option in zip(rows.tolist(), chosen.tolist(), strict=True):
            roles[row] = options[option][0]
    amount = np.round(60_000 * np.exp(rng.normal(0, 1.3, m)), 2)
    cause = np.array(CAUSES)[rng.integers(0, len(CAUSES), size=m)]
    summary = []
    for k, c, role, a in zip(kind.tolist(), cause.tolist(), roles, _amount_text(amount), strict=True):
        if CASE_KINDS[k][0] == "执行":
            summary.append(f"{c}执行案件，执行标的人民币{a}元")
        elif CASE_KINDS[k][0] == "行政":
            summary.append("不服行政处罚决定提起行政诉讼")
        else:
            summary.append(f"{c}，{role}，涉案金额人民币{a}元")
    return record_table(
        tables.COURT,
        ids=books.ids.take(tables.COURT, m),
        owner="ndrc",
        subject_kind="enterprise",
        subjects=batch.usccs.take(pa.array(ent)),
        recorded=judged + 10,
        columns={
            "case_number": case_number,
            "court": court,
            "case_type": pa.array([CASE_KINDS[k][0] for k in kind.tolist()], pa.string()),
            "party_role": pa.array(roles, pa.string()),
            "judged_on": dates(judged),
            "amount": money(np.where(kind == 3, 0.0, amount)),  # noqa: PLR2004
            "summary": pa.array(summary, pa.string()),
        },
    )


def _high_tech(city: City, batch: EnterpriseBatch, books: Books) -> pa.Table:
    """高新技术企业证书 (sci): certified in a year-end batch, valid three years."""
    rng = city.rng(STREAM_HIGH_TECH, batch.start)
    n = len(batch)
    base = np.select([np.isin(batch.section, ["I", "M"]), batch.section == "C"], [0.12, 0.06], default=0.0)
    eligible = batch.alive & np.isin(batch.kind_class, [1, 2]) & (batch.employees >= 5) & (batch.revenue > 0)  # noqa: PLR2004
    ent = np.flatnonzero(eligible & (rng.random(n) < base))
    m = len(ent)
    year = city.as_of.year - rng.integers(1, 4, size=m)
    issued: Days = timeutil.year_start(year) + 305 + rng.integers(0, 55, size=m)
    issued = np.minimum(np.maximum(issued, batch.founded[ent] + 365), city.as_of_day)
    year, _, _ = timeutil.parts(issued)
    seq = books.certificates.take(year)
    number = join(
        "GR",
        pc.cast(pa.array(year), pa.string()),
        "51",
        pc.utf8_lpad(pc.cast(pa.array(seq), pa.string()), width=6, padding="0"),
    )
    names = batch.table.column("name").combine_chunks().take(pa.array(ent))
    return record_table(
        tables.CERTIFICATES,
        ids=books.ids.take(tables.CERTIFICATES, m),
        owner="sci",
        subject_kind="enterprise",
        subjects=batch.usccs.take(pa.array(ent)),
        recorded=issued,
        columns={
            "cert_type": const("高新技术企业证书", m),
            "cert_number": number,
            "holder_name": names,
            "issuing_authority": const("四川省科学技术厅、四川省财政厅、国家税务总局四川省税务局", m),
            "issued_on": dates(issued),
            "valid_to": dates(timeutil.add_years(issued, 3) - DAY),
            "details": join('{"认定批次": "', pc.cast(pa.array(year), pa.string()), '年", "有效期": "三年"}'),
        },
    )


def generate_enterprise_records(city: City, batch: EnterpriseBatch, books: Books) -> dict[str, pa.Table]:
    """Every department record about the entities of ``batch``, by table name."""
    social, insured_rows = _social_insurance(city, batch, books)
    abnormal, listed = _abnormal(city, batch, books)
    tax, owes_tax = _tax(city, batch, books)
    return {
        tables.LICENCES: _licences(city, batch, books),
        tables.PENALTIES: _penalties(city, batch, books),
        tables.TAX: tax,
        tables.SOCIAL_INSURANCE: social,
        tables.HOUSING_FUND: _housing_fund(city, batch, books, insured_rows),
        tables.ABNORMAL: abnormal,
        tables.DISHONESTY: _dishonesty(city, batch, books, abnormal=listed, owes_tax=owes_tax),
        tables.COURT: _court(city, batch, books),
        tables.CERTIFICATES: _high_tech(city, batch, books),
    }

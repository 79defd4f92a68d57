"""Pure generators of the synthetic city (numpy + pyarrow, no database): persons, market entities, certificates.

Every generator takes the :class:`City` (seed, reference date, divisions) and a chunk position and returns
pyarrow tables whose columns are exactly the registry tables' columns, so the same chunk can be bulk-loaded into
the database (demo scale) or appended to Parquet (city scale). Random numbers come from one stream per
(seed, table, chunk start), so the output is a pure function of (seed, as_of, counts, chunk size).

Distributions (tags as in ``/work/shared/design/domain.md``):

Persons
- 公民身份号码 (domain.md §7.2): area code = the household-register district (GB/T 2260, §7.3), birth date,
  sequence (odd = male, even = female, unique per area/date/sex), ISO 7064 MOD 11-2 check character.
- Birth years 1940 to the year before ``as_of`` following a Chengdu-like age pyramid [K]: small pre-1950
  cohorts, the 1959–61 famine dip, the 1962–75 boom, the late-1980s echo swelled by migration of young adults
  into the city, low fertility after 2000, a small 2014–17 two-child bump and falling births since 2018.
  With ``as_of`` in 2025 about 13 % are 0–14, 66 % 15–59 and 21 % 60+ (七普 2020 Chengdu: 13.3 / 68.7 / 18.0 %,
  ageing since) — checked by the tests.
- Sex: 53 % male under 20 (China's high sex ratio at birth), 50.5 % at 20–59, 49 % at 60–79, 44 % at 80+ [K].
- Names: surname by Sichuan-weighted frequency (``vocab.SURNAMES``); given name of one or two characters from
  era- and sex-specific pools (``vocab.GIVEN_CHARS``).
- Household register: district weighted by population (``vocab.DISTRICTS``), street office/town within it
  (街道 ×3, 镇 ×1.2); address "成都市{区}{街道}{路}{n}号" (+ "{b}栋{u}单元{f}{r}号" for flats in street
  offices) or, in towns, "成都市{区}{镇}{村}{g}组{n}号" using the real village names.
- Phone 1[3-9]xxxxxxxxx; none for children under 12 and for 35 % of people over 80 [D].

Market entities (市场主体)
- Entity types: 个体工商户 55 %, 有限责任公司 38 %, 股份有限公司 1 %, 个人独资 2 %, 合伙 1 %, 农民专业合作社
  2 % [K]; USCC (§7.1) registrar 9 with category 1 (enterprise), 2 (个体) or 3 (合作社); organisation code
  all-digit before the 2015 reform, "MA…" after, "L…" for individual businesses converted from old licences.
- Industry: GB/T 4754-2017 divisions with separate company / individual-business mixes (``industry``).
- District by market-entity weight, street office/town within it (街道 ×4, 镇 ×1).
- Founding date over the last 30 years with registrations growing ~9 % a year (individual businesses churn
  faster, 14 %); cooperatives not before the 2007 law; never before the legal representative turned 18.
- Status: mostly 存续 (companies) / 在业 (individual businesses); 注销 and 吊销 grow with age (≈ 4 % and 2.5 %
  overall), a few 迁出.
- Revenue (last full year, yuan): log-normal, median ¥1.2 M for companies (σ 1.8) scaled by industry
  (manufacturing/construction/wholesale/real estate larger), ¥20 M for joint-stock companies, ¥150 k for
  individual businesses (σ 0.8); 18 % of companies and 5 % of individual businesses report no revenue (shell
  or dormant). Yearly growth per entity ~ N(6 %, 22 %).
- Employees follow revenue through an industry revenue-per-employee (¥300 k × factor) with log-normal noise;
  individual businesses 1–8 people.
- Registered capital (万元): log-normal around ¥1 M for companies, correlated with revenue (ρ ≈ 0.35),
  rounded to the amounts people actually register (10, 50, 100, 500, 1000 …).
- Legal representative: an adult drawn from the generated persons (ages 22–80, weighted to 30–59).

Person certificates (police)
- 居民身份证 and 户口簿 for everybody; ID-card validity 5/10/20 years/长期 by age (GB 11643 practice), 3 %
  not renewed in time. 机动车驾驶证 for ~40 % of adults (number = ID number, C1 mostly, 6/10 years then 长期);
  机动车行驶证 for ~20 % of adults (川A plates, 20 % new-energy).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import TypeAlias
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from yiwang.geo.divisions import load_divisions
from yiwang.seed import codes, industry, tables, timeutil, vocab
from yiwang.seed.timeutil import DAY, Days, IntArray

FloatArray: TypeAlias = NDArray[np.float64]
BoolArray: TypeAlias = NDArray[np.bool_]

CITY_TZ = ZoneInfo("Asia/Shanghai")
EARLIEST_BIRTH = dt.date(1940, 1, 1)
SOURCE_SYSTEM = "yiwang.seed"
"""``source_system`` of every generated record: provenance is the generator, not a department system."""

# One random stream per generated table; the numbers are part of the output's definition, never reuse one.
STREAM_CITY = 1
STREAM_PERSONS = 2
STREAM_POOL = 3
STREAM_ENTERPRISES = 4
STREAM_CERTIFICATES = 5
STREAM_TAX = 11
STREAM_SOCIAL = 12
STREAM_FUND = 13
STREAM_LICENCE = 14
STREAM_PENALTY = 15
STREAM_ABNORMAL = 16
STREAM_DISHONESTY = 17
STREAM_COURT = 18
STREAM_HIGH_TECH = 19
STREAM_SOCIAL_ARREARS = 20

COHORT_ANCHORS: tuple[tuple[int, float], ...] = (
    (1940, 1.0), (1945, 1.4), (1950, 2.6), (1955, 3.0), (1958, 3.3), (1960, 2.0), (1962, 4.4), (1965, 5.4),
    (1970, 5.0), (1975, 4.1), (1978, 4.3), (1982, 5.0), (1987, 6.2), (1990, 6.4), (1994, 5.3), (1998, 4.4),
    (2002, 3.6), (2006, 3.5), (2010, 3.4), (2014, 3.6), (2016, 3.9), (2018, 3.2), (2020, 2.3), (2022, 1.8),
    (2024, 1.6),
)  # fmt: skip
"""Relative number of residents per birth year at the anchor years, linearly interpolated in between [K]."""

ENTITY_TYPES: tuple[tuple[str, str, float], ...] = (
    ("个体工商户", "individual", 0.55),
    ("有限责任公司（自然人投资或控股）", "company", 0.28),
    ("有限责任公司（自然人独资）", "company", 0.07),
    ("有限责任公司（法人独资）", "company", 0.03),
    ("股份有限公司（非上市、自然人投资或控股）", "joint_stock", 0.01),
    ("个人独资企业", "sole", 0.02),
    ("合伙企业（有限合伙）", "partnership", 0.01),
    ("农民专业合作社", "coop", 0.02),
)
"""(entity_type, class, share) of market entities [K]."""

KIND_CLASSES = ("individual", "company", "joint_stock", "sole", "partnership", "coop")

SECTION_REVENUE_FACTOR = {
    "A": 0.6, "B": 2.0, "C": 2.5, "D": 3.0, "E": 2.2, "F": 1.4, "G": 1.5, "H": 0.8, "I": 1.0, "J": 2.0,
    "K": 3.0, "L": 0.6, "M": 0.7, "N": 1.0, "O": 0.6, "P": 0.6, "Q": 1.2, "R": 0.5,
}  # fmt: skip
"""Revenue of a section's companies relative to the median company [K]."""

SECTION_REVENUE_PER_EMPLOYEE = {
    "A": 0.6, "B": 1.5, "C": 1.0, "D": 2.5, "E": 1.2, "F": 2.2, "G": 1.0, "H": 0.4, "I": 0.9, "J": 2.5,
    "K": 3.0, "L": 1.0, "M": 0.8, "N": 0.8, "O": 0.4, "P": 0.5, "Q": 0.6, "R": 0.6,
}  # fmt: skip
"""Revenue per employee relative to ¥300 k [K]."""

CAPITAL_STEPS = np.array([1, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 800, 1000, 2000, 3000, 5000, 10000, 20000])
"""Registered-capital amounts (万元) people actually choose."""


def _strings(values: list[str] | tuple[str, ...]) -> pa.Array:
    return pa.array(list(values), type=pa.string())


def _ints_to_strings(values: IntArray) -> pa.Array:
    return pc.cast(pa.array(values, type=pa.int64()), pa.string())


def _padded(values: IntArray, width: int) -> pa.Array:
    return pc.utf8_lpad(_ints_to_strings(values), width=width, padding="0")


def join(*parts: pa.Array | str) -> pa.Array:
    """Concatenate string arrays and literals element-wise."""
    return pc.binary_join_element_wise(*parts, "")


def money(yuan: FloatArray) -> pa.Array:
    """Amounts in yuan as exact ``decimal128(18, 2)`` (rounded to the fen), the registry's MONEY type."""
    cents = np.round(np.asarray(yuan, dtype=np.float64) * 100).astype(np.int64)
    buffer = np.empty((len(cents), 2), dtype=np.int64)
    buffer[:, 0] = cents
    buffer[:, 1] = cents >> 63  # sign extension to 128 bits
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(cents), [None, pa.py_buffer(buffer.tobytes())])


def dates(values: Days) -> pa.Array:
    """``datetime64[D]`` as Arrow ``date32``."""
    return pa.array(values.astype("datetime64[D]"), type=pa.date32())


def stamps(values: Days, hour: int = 10) -> pa.Array:
    """Dates as UTC timestamps at ``hour`` o'clock Chengdu time (when a department recorded them)."""
    local = values.astype("datetime64[D]").astype("datetime64[us]") + np.timedelta64(hour - 8, "h")
    return pa.array(local, type=pa.timestamp("us", tz="UTC"))


def const(value: object, count: int, type_: pa.DataType | None = None) -> pa.Array:
    """The same value ``count`` times."""
    return pa.repeat(pa.scalar(value, type_ or pa.string()), count)


def lookup(keys: NDArray[np.str_], mapping: dict[str, float], default: float = 0.0) -> FloatArray:
    """``mapping[key]`` for every key of a (long) array, looking each distinct key up once."""
    unique, inverse = np.unique(keys, return_inverse=True)
    values = np.array([mapping.get(str(k), default) for k in unique.tolist()], dtype=np.float64)
    result: FloatArray = values[inverse.reshape(-1)] if len(keys) else np.zeros(0)
    return result


def pick(rng: np.random.Generator, weights: FloatArray | list[float], size: int) -> IntArray:
    """Indices drawn with the given relative weights."""
    p = np.asarray(weights, dtype=np.float64)
    result: IntArray = rng.choice(len(p), size=size, p=p / p.sum()).astype(np.int64)
    return result


def log_uniform_int(rng: np.random.Generator, low: int, high: int, size: int) -> IntArray:
    """Integers in [low, high] with small values commoner (house numbers, floors)."""
    values = np.floor(np.exp(rng.uniform(np.log(low), np.log(high + 1), size)))
    result: IntArray = np.clip(values, low, high).astype(np.int64)
    return result


@dataclass(frozen=True)
class City:
    """Everything the generators share: seed, reference date, divisions and the synthetic road network."""

    seed: int
    as_of: dt.date
    district_codes: IntArray
    district_names: pa.Array
    district_prefix: pa.Array  # "成都市武侯区" for 区, "金堂县" for counties: how district offices are named
    district_abbr: list[str]
    district_people: FloatArray
    district_entities: FloatArray
    street_codes: pa.Array
    street_names: pa.Array
    street_district: IntArray
    street_town: BoolArray
    streets_of_district: list[IntArray]
    roads: pa.Array  # ROADS_PER_STREET per street, street-major
    villages: pa.Array
    village_start: IntArray
    village_count: IntArray
    org_offsets: tuple[int, int, int]
    sequence_offset: int

    @property
    def as_of_day(self) -> np.datetime64:
        """The reference date as ``datetime64[D]``."""
        return timeutil.day(self.as_of)

    @property
    def created_at(self) -> dt.datetime:
        """The load time stamped on generated persons and entities: midnight of ``as_of`` in Chengdu."""
        return dt.datetime.combine(self.as_of, dt.time(), tzinfo=CITY_TZ).astimezone(dt.UTC)

    def rng(self, stream: int, part: int = 0) -> np.random.Generator:
        """The random stream of one table and chunk."""
        return np.random.default_rng([self.seed, stream, part])

    def office(self, district: IntArray, office: str) -> pa.Array:
        """Names of district offices: "成都市武侯区市场监督管理局", "金堂县市场监督管理局"."""
        return join(self.district_prefix.take(pa.array(district)), office)

    def street_of(
        self, rng: np.random.Generator, district: IntArray, *, town_weight: float, street_weight: float
    ) -> IntArray:
        """A street office or town inside each row's district."""
        street = np.zeros(len(district), dtype=np.int64)
        for d, members in enumerate(self.streets_of_district):
            rows = np.flatnonzero(district == d)
            if len(rows) == 0:
                continue
            weights = np.where(self.street_town[members], town_weight, street_weight)
            street[rows] = members[pick(rng, weights, len(rows))]
        return street


def build_city(seed: int, as_of: dt.date) -> City:
    """Assemble the city model: divisions from ``yiwang.geo.divisions``, weights from ``vocab``, roads from ``seed``."""
    divisions = load_divisions()
    profile = {p.code: p for p in vocab.DISTRICTS}
    districts = [d for d in divisions.districts if d.code in profile]
    index_of = {d.code: i for i, d in enumerate(districts)}
    streets = [s for s in divisions.streets if s.district_code in index_of]
    street_index = {s.code: i for i, s in enumerate(streets)}
    rng = np.random.default_rng([seed, STREAM_CITY])

    roads: list[str] = []
    for _ in streets:
        stems = rng.choice(len(vocab.ROAD_STEMS), size=vocab.ROADS_PER_STREET, replace=False)
        suffixes = rng.integers(0, len(vocab.ROAD_SUFFIXES), size=vocab.ROADS_PER_STREET)
        roads.extend(vocab.ROAD_STEMS[a] + vocab.ROAD_SUFFIXES[b] for a, b in zip(stems, suffixes, strict=True))

    village_names: list[list[str]] = [[] for _ in streets]
    for community in divisions.communities:
        if community.urban or community.street_code not in street_index:
            continue
        name = community.name.removesuffix("村民委员会").removesuffix("村委会").removesuffix("村") + "村"
        village_names[street_index[community.street_code]].append(name)
    counts = np.array([len(v) for v in village_names], dtype=np.int64)

    street_district = np.array([index_of[s.district_code] for s in streets], dtype=np.int64)
    people = np.array([profile[d.code].people for d in districts])
    entities = np.array([profile[d.code].entities for d in districts])
    return City(
        seed=seed,
        as_of=as_of,
        district_codes=np.array([int(d.code) for d in districts], dtype=np.int64),
        district_names=_strings([d.name for d in districts]),
        district_prefix=_strings([("成都市" + d.name) if d.kind == "区" else d.name for d in districts]),
        district_abbr=[profile[d.code].abbr for d in districts],
        district_people=people / people.sum(),
        district_entities=entities / entities.sum(),
        street_codes=_strings([s.code for s in streets]),
        street_names=_strings([s.name for s in streets]),
        street_district=street_district,
        street_town=np.array([s.kind != "街道" for s in streets]),
        streets_of_district=[np.flatnonzero(street_district == d) for d in range(len(districts))],
        roads=_strings(roads),
        villages=_strings([name for names in village_names for name in names]),
        village_start=np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64),
        village_count=counts,
        org_offsets=(
            int(rng.integers(0, 10**8)),
            int(rng.integers(0, 10**7)),
            int(rng.integers(0, 31**6)),
        ),
        sequence_offset=int(rng.integers(0, codes.SEQUENCE_SLOTS)),
    )


# --------------------------------------------------------------------------------------------- persons


@dataclass(frozen=True)
class PersonBatch:
    """One chunk of persons: the ``registry_person`` rows plus the attributes later generators need."""

    table: pa.Table
    birth: Days
    male: BoolArray
    age: IntArray
    district: IntArray
    street: IntArray
    surname: pa.Array

    @cached_property
    def id_numbers(self) -> pa.Array:
        """The chunk's 公民身份号码."""
        return self.table.column("id_number").combine_chunks()

    @cached_property
    def names(self) -> pa.Array:
        """The chunk's names."""
        return self.table.column("name").combine_chunks()


def person_sequences(city: City) -> codes.DenseSequence:
    """The sequence-number book of ID numbers: one counter per (district, birth day, sex)."""
    days = (city.as_of - EARLIEST_BIRTH).days + 1
    return codes.DenseSequence(len(city.district_codes) * days * 2)


def _birth_year_weights(last_year: int) -> tuple[IntArray, FloatArray]:
    years = np.arange(EARLIEST_BIRTH.year, last_year + 1, dtype=np.int64)
    anchor_years = np.array([a for a, _ in COHORT_ANCHORS], dtype=np.float64)
    anchor_values = np.array([v for _, v in COHORT_ANCHORS], dtype=np.float64)
    weights = np.interp(years.astype(np.float64), anchor_years, anchor_values)
    return years, weights / weights.sum()


def _birth_dates(city: City, rng: np.random.Generator, count: int) -> Days:
    years, p = _birth_year_weights(max(city.as_of.year - 1, EARLIEST_BIRTH.year))
    year = years[rng.choice(len(years), size=count, p=p)]
    start = timeutil.year_start(year)
    end = np.minimum(timeutil.year_start(year + 1), city.as_of_day + DAY)
    length = (end - start).astype(np.int64)
    birth: Days = start + np.floor(rng.random(count) * length).astype(np.int64)
    return birth


def _male(rng: np.random.Generator, age: IntArray) -> BoolArray:
    p_male = np.select([age < 20, age < 60, age < 80], [0.53, 0.505, 0.49], default=0.44)  # noqa: PLR2004
    result: BoolArray = rng.random(len(age)) < p_male
    return result


def _assign_sequences(
    city: City, sequences: codes.DenseSequence, district: IntArray, birth: Days, male: BoolArray
) -> tuple[Days, IntArray]:
    """Unique ID sequence per row; on the (practically never reached) 500th namesake day, move a day earlier."""
    days = (city.as_of - EARLIEST_BIRTH).days + 1
    first = timeutil.day(EARLIEST_BIRTH)
    birth = birth.copy()
    sequence = np.zeros(len(birth), dtype=np.int64)
    pending = np.arange(len(birth))
    while len(pending):
        day_index = (birth[pending] - first).astype(np.int64)
        keys = (district[pending] * days + day_index) * 2 + male[pending]
        slot, fits = sequences.take(keys)
        # An affine permutation of the slot spreads sequence numbers over 000–999 instead of counting up.
        spread = (slot * 193 + keys * 7 + city.sequence_offset) % codes.SEQUENCE_SLOTS
        done = pending[fits]
        sequence[done] = spread[fits] * 2 + male[done]
        pending = pending[~fits]
        moved = birth[pending] - DAY
        birth[pending] = np.where(moved < first, birth[pending] + 2 * DAY, moved)
    return birth, sequence


def _given_names(rng: np.random.Generator, male: BoolArray, birth_year: IntArray) -> pa.Array:
    era = np.searchsorted(np.array(vocab.ERA_BOUNDS), birth_year, side="right")
    vocab_chars = [""]
    start: dict[tuple[str, int], int] = {}
    for key, chars in vocab.GIVEN_CHARS.items():
        start[key] = len(vocab_chars)
        vocab_chars.extend(chars)
    pool_start = np.zeros((2, 4), dtype=np.int64)
    pool_len = np.zeros((2, 4), dtype=np.int64)
    for (sex, e), chars in vocab.GIVEN_CHARS.items():
        row = 0 if sex == "男" else 1
        pool_start[row, e] = start[sex, e]
        pool_len[row, e] = len(chars)
    sex_row = np.where(male, 0, 1)
    first_len = pool_len[sex_row, era]
    first = pool_start[sex_row, era] + np.floor(rng.random(len(era)) * first_len).astype(np.int64)
    second = pool_start[sex_row, era] + np.floor(rng.random(len(era)) * first_len).astype(np.int64)
    single = rng.random(len(era)) < np.array(vocab.SINGLE_CHAR_NAME_SHARE)[era]
    second = np.where(single, 0, second)
    table = _strings(vocab_chars)
    return join(table.take(pa.array(first)), table.take(pa.array(second)))


def _phones(rng: np.random.Generator, age: IntArray) -> pa.Array:
    count = len(age)
    digits = np.array([d for d, _ in vocab.PHONE_SECOND_DIGITS], dtype=np.int64)
    second = digits[pick(rng, [w for _, w in vocab.PHONE_SECOND_DIGITS], count)]
    number = 10**10 + second * 10**9 + rng.integers(0, 10**9, size=count)
    missing = (age < 12) | ((age >= 80) & (rng.random(count) < 0.35))  # noqa: PLR2004
    return pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), _ints_to_strings(number))


def _addresses(city: City, rng: np.random.Generator, district: IntArray, street: IntArray, *, flats: float) -> pa.Array:
    """Addresses 成都市{区}{街道}{路}{n}号[{b}栋{u}单元{f}{r}号] or, in towns, 成都市{区}{镇}{村}{g}组{n}号."""
    count = len(district)
    road = street * vocab.ROADS_PER_STREET + rng.integers(0, vocab.ROADS_PER_STREET, size=count)
    number = log_uniform_int(rng, 1, 480, count)
    base = join(
        "成都市",
        city.district_names.take(pa.array(district)),
        city.street_names.take(pa.array(street)),
        city.roads.take(pa.array(road)),
        _ints_to_strings(number),
        "号",
    )
    building = log_uniform_int(rng, 1, 30, count)
    unit = rng.integers(1, 5, size=count)
    floor = log_uniform_int(rng, 1, 33, count)
    room = rng.integers(1, 7, size=count)
    flat = join(
        base,
        _ints_to_strings(building),
        "栋",
        _ints_to_strings(unit),
        "单元",
        _ints_to_strings(floor),
        _padded(room, 2),
        "号",
    )
    town = city.street_town[street]
    with_flat = ~town & (rng.random(count) < flats)
    address = pc.if_else(pa.array(with_flat), flat, base)
    has_village = town & (city.village_count[street] > 0) & (rng.random(count) < 0.55)  # noqa: PLR2004
    village = city.village_start[street] + np.floor(rng.random(count) * np.maximum(city.village_count[street], 1))
    village = np.where(has_village, village, 0).astype(np.int64)
    rural = join(
        "成都市",
        city.district_names.take(pa.array(district)),
        city.street_names.take(pa.array(street)),
        city.villages.take(pa.array(village)) if len(city.villages) else pa.nulls(count, pa.string()),
        _ints_to_strings(rng.integers(1, 13, size=count)),
        "组",
        _ints_to_strings(log_uniform_int(rng, 1, 120, count)),
        "号",
    )
    return pc.if_else(pa.array(has_village), rural, address)


def generate_persons(city: City, *, start: int, count: int, sequences: codes.DenseSequence) -> PersonBatch:
    """Persons ``start`` … ``start + count - 1`` (ids ``start + 1`` …) of the city."""
    rng = city.rng(STREAM_PERSONS, start)
    birth = _birth_dates(city, rng, count)
    male = _male(rng, timeutil.age_on(birth, city.as_of))
    district = pick(rng, city.district_people, count)
    street = city.street_of(
        rng, district, town_weight=vocab.STREET_KIND_WEIGHT["镇"], street_weight=vocab.STREET_KIND_WEIGHT["街道"]
    )
    birth, sequence = _assign_sequences(city, sequences, district, birth, male)
    age = timeutil.age_on(birth, city.as_of)
    year, _, _ = timeutil.parts(birth)

    surname_index = pick(rng, [w for _, w in vocab.SURNAMES], count)
    surname = _strings([s for s, _ in vocab.SURNAMES]).take(pa.array(surname_index))
    names = join(surname, _given_names(rng, male, year))
    id_numbers = codes.citizen_id_numbers(city.district_codes[district], timeutil.ymd(birth), sequence)
    table = tables.conform(
        tables.PERSONS,
        {
            "id": pa.array(np.arange(start + 1, start + count + 1), type=pa.int64()),
            "id_number": id_numbers,
            "name": names,
            "sex": pc.if_else(pa.array(male), "男", "女"),
            "birth_date": dates(birth),
            "household_address": _addresses(city, rng, district, street, flats=0.7),
            "household_district_code": _ints_to_strings(city.district_codes[district]),
            "household_street_code": city.street_codes.take(pa.array(street)),
            "phone": _phones(rng, age),
            "synthetic": const(value=True, count=count, type_=pa.bool_()),
            "created_at": const(city.created_at, count, pa.timestamp("us", tz="UTC")),
        },
    )
    return PersonBatch(table=table, birth=birth, male=male, age=age, district=district, street=street, surname=surname)


@dataclass(frozen=True)
class PersonPool:
    """Adults who can be legal representatives: name, ID number, birth date and surname."""

    names: pa.Array
    id_numbers: pa.Array
    birth: Days
    surnames: pa.Array

    def __len__(self) -> int:
        """How many people the pool holds."""
        return len(self.birth)


def representative_pool(city: City, batches: list[PersonBatch], *, keep: float = 1.0) -> PersonPool:
    """Adults 22–80 (weighted to 30–59, as legal representatives are) from the given chunks.

    ``keep`` thins the pool at city scale so it fits in memory (a few million people are plenty).
    """
    names, ids, births, surnames = [], [], [], []
    for batch in batches:
        rng = city.rng(STREAM_POOL, int(batch.table.column("id")[0].as_py()) if batch.table.num_rows else 0)
        weight = np.select(
            [batch.age < 22, batch.age < 30, batch.age < 60, batch.age < 70, batch.age <= 80],  # noqa: PLR2004
            [0.0, 0.5, 1.0, 0.5, 0.15],
            default=0.0,
        )
        chosen = np.flatnonzero(rng.random(len(weight)) < weight * keep)
        index = pa.array(chosen)
        names.append(batch.names.take(index))
        ids.append(batch.id_numbers.take(index))
        births.append(batch.birth[chosen])
        surnames.append(batch.surname.take(index))
    return PersonPool(
        names=pa.concat_arrays(names) if names else pa.array([], pa.string()),
        id_numbers=pa.concat_arrays(ids) if ids else pa.array([], pa.string()),
        birth=np.concatenate(births) if births else np.zeros(0, dtype="datetime64[D]"),
        surnames=pa.concat_arrays(surnames) if surnames else pa.array([], pa.string()),
    )


# --------------------------------------------------------------------------------------------- enterprises


@dataclass(frozen=True)
class EnterpriseBatch:
    """One chunk of market entities: the ``registry_enterprise`` rows plus hidden economics for the records."""

    table: pa.Table
    start: int
    kind_class: IntArray  # index into KIND_CLASSES
    division: IntArray  # index into industry.DIVISIONS
    section: NDArray[np.str_]
    district: IntArray
    founded: Days
    alive: BoolArray
    status: NDArray[np.str_]
    revenue: FloatArray  # last full year, yuan
    growth: FloatArray  # yearly log growth
    employees: IntArray

    @cached_property
    def usccs(self) -> pa.Array:
        """The chunk's 统一社会信用代码."""
        return self.table.column("uscc").combine_chunks()

    def __len__(self) -> int:
        """How many entities the chunk holds."""
        return int(self.table.num_rows)


def _division_table() -> tuple[list[str], list[str], FloatArray, FloatArray, FloatArray]:
    codes_ = [d.code for d in industry.DIVISIONS]
    sections = [d.section for d in industry.DIVISIONS]
    company = np.array([d.company_weight for d in industry.DIVISIONS])
    shop = np.array([d.shop_weight if d.shop_words else 0.0 for d in industry.DIVISIONS])
    coop = np.array(
        [{"A": 5.0}.get(d.section, 0.0) + (0.6 if d.code in {"13", "15"} else 0.0) for d in industry.DIVISIONS]
    )
    return codes_, sections, company, shop, coop


def _words(rng: np.random.Generator, division: IntArray, *, shop: bool) -> pa.Array:
    """One naming word per row from its division's company or shop words."""
    vocab_words: list[str] = []
    start = np.zeros(len(industry.DIVISIONS), dtype=np.int64)
    length = np.zeros(len(industry.DIVISIONS), dtype=np.int64)
    for i, d in enumerate(industry.DIVISIONS):
        words = (d.shop_words or d.company_words) if shop else d.company_words
        start[i] = len(vocab_words)
        length[i] = len(words)
        vocab_words.extend(words)
    index = start[division] + np.floor(rng.random(len(division)) * length[division]).astype(np.int64)
    return _strings(vocab_words).take(pa.array(index))


def _brands(rng: np.random.Generator, count: int) -> pa.Array:
    chars = _strings(list(vocab.BRAND_CHARS))
    n = len(vocab.BRAND_CHARS)
    first = chars.take(pa.array(rng.integers(0, n, size=count)))
    second = chars.take(pa.array(rng.integers(0, n, size=count)))
    third = chars.take(pa.array(rng.integers(0, n, size=count)))
    three = rng.random(count) < 0.15  # noqa: PLR2004
    return pc.if_else(pa.array(three), join(first, second, third), join(first, second))


def _founding(city: City, rng: np.random.Generator, kind_class: IntArray) -> Days:
    count = len(kind_class)
    rate = np.where(kind_class == KIND_CLASSES.index("individual"), 0.14, 0.09)
    span = 30.0
    u = rng.random(count)
    years_back = -np.log(1 - u * (1 - np.exp(-rate * span))) / rate
    founded = city.as_of_day - np.floor(years_back * 365.25).astype(np.int64)
    # Farmers' cooperatives exist since the 2007 law: spread them evenly over the years since.
    coop_floor = timeutil.day(dt.date(2007, 7, 1))
    coop_span = max(int((city.as_of_day - coop_floor).astype(np.int64)), 1)
    coop_day = coop_floor + np.floor(rng.random(count) * coop_span).astype(np.int64)
    result: Days = np.where(kind_class == KIND_CLASSES.index("coop"), coop_day, founded)
    return np.minimum(result, city.as_of_day)


def _capital(rng: np.random.Generator, kind_class: IntArray, revenue_z: FloatArray) -> FloatArray:
    median = np.array([5.0, 100.0, 3000.0, 50.0, 50.0, 100.0])[kind_class]
    sigma = np.array([0.8, 1.3, 1.0, 1.0, 1.0, 1.0])[kind_class]
    z = 0.35 * revenue_z + np.sqrt(1 - 0.35**2) * rng.standard_normal(len(kind_class))
    raw = median * np.exp(sigma * z)
    # Nearest registered amount on a log scale: cut between neighbouring steps at their geometric mean.
    cuts = np.sqrt(CAPITAL_STEPS[:-1] * CAPITAL_STEPS[1:])
    snapped = CAPITAL_STEPS[np.searchsorted(cuts, raw)].astype(np.float64)
    individual = kind_class == KIND_CLASSES.index("individual")
    result: FloatArray = np.where(individual, np.clip(np.round(raw, 1), 0.5, 500.0), snapped)
    return result


def _status(
    rng: np.random.Generator, individual: BoolArray, age_years: FloatArray
) -> tuple[NDArray[np.str_], BoolArray]:
    """登记状态: 注销 and 吊销 grow with age, a few 迁出, the rest 存续 (companies) or 在业 (individual businesses)."""
    count = len(individual)
    cancelled = rng.random(count) < np.minimum(0.01 + 0.004 * age_years, 0.15)
    revoked = ~cancelled & (rng.random(count) < np.minimum(0.005 + 0.003 * age_years, 0.10))
    moved = ~cancelled & ~revoked & (rng.random(count) < 0.004)  # noqa: PLR2004
    status = np.where(cancelled, "注销", np.where(revoked, "吊销", np.where(moved, "迁出", "")))
    status = np.where(status == "", np.where(individual, "在业", "存续"), status)
    return status, ~(cancelled | revoked | moved)


@dataclass(frozen=True)
class _Economics:
    revenue: FloatArray
    growth: FloatArray
    employees: IntArray
    capital: FloatArray


def _economics(rng: np.random.Generator, kind_class: IntArray, section: NDArray[np.str_]) -> _Economics:
    """Revenue of the last full year, yearly growth, employees and registered capital (万元)."""
    count = len(kind_class)
    individual = kind_class == KIND_CLASSES.index("individual")
    coop = kind_class == KIND_CLASSES.index("coop")
    median = np.array([150e3, 1.2e6, 20e6, 0.8e6, 0.8e6, 0.4e6])[kind_class]
    sigma = np.array([0.8, 1.8, 1.5, 1.5, 1.5, 1.0])[kind_class]
    factor = np.where(individual, 1.0, lookup(section, SECTION_REVENUE_FACTOR))
    revenue_z = rng.standard_normal(count)
    dormant = rng.random(count) < np.where(individual, 0.05, 0.18)
    revenue = np.where(dormant, 0.0, np.round(median * factor * np.exp(sigma * revenue_z), 2))
    growth = np.clip(rng.normal(0.06, 0.22, count), -0.6, 0.8)
    per_employee = 300e3 * lookup(section, SECTION_REVENUE_PER_EMPLOYEE)
    staff = np.round(revenue / per_employee * np.exp(rng.normal(0, 0.4, count)))
    staff = np.where(dormant, rng.integers(0, 3, size=count), staff)
    shop_staff = np.minimum(rng.geometric(0.55, size=count), 8)
    coop_staff = rng.integers(3, 31, size=count)
    employees = np.where(individual, shop_staff, np.where(coop, coop_staff, np.clip(staff, 0, 30000)))
    return _Economics(
        revenue=revenue,
        growth=growth,
        employees=employees.astype(np.int64),
        capital=_capital(rng, kind_class, revenue_z),
    )


def _entity_names(
    city: City,
    rng: np.random.Generator,
    *,
    kind_class: IntArray,
    division: IntArray,
    district: IntArray,
    rep_surname: pa.Array,
) -> pa.Array:
    """Names: 成都{字号}{行业}有限公司, 成都市{区}{字号}{店}, {区}{字号}{行业}专业合作社 and so on."""
    count = len(kind_class)
    individual = kind_class == KIND_CLASSES.index("individual")
    coop = kind_class == KIND_CLASSES.index("coop")
    brand = _brands(rng, count)
    patterns = [p.split("{s}") for p in vocab.INDIVIDUAL_BRAND_PATTERNS]
    pattern = pa.array(rng.integers(0, len(patterns), size=count))
    surname_brand = join(
        _strings([p[0] for p in patterns]).take(pattern), rep_surname, _strings([p[1] for p in patterns]).take(pattern)
    )
    shop_brand = pc.if_else(pa.array(rng.random(count) < 0.5), surname_brand, brand)  # noqa: PLR2004
    company_word = _words(rng, division, shop=False)
    suffix = np.select(
        [kind_class == KIND_CLASSES.index(k) for k in ("company", "joint_stock", "sole", "partnership")],
        ["有限公司", "股份有限公司", "中心", "中心（有限合伙）"],
        default="",
    )
    company_name = join("成都", brand, company_word, pa.array(suffix.tolist(), type=pa.string()))
    district_name = city.district_names.take(pa.array(district))
    shop_name = join(city.district_prefix.take(pa.array(district)), shop_brand, _words(rng, division, shop=True))
    coop_name = join(district_name, brand, company_word, "专业合作社")
    return pc.if_else(pa.array(individual), shop_name, pc.if_else(pa.array(coop), coop_name, company_name))


def _entity_addresses(
    city: City, rng: np.random.Generator, district: IntArray, street: IntArray, individual: BoolArray
) -> pa.Array:
    """Registered seats: office floors for companies in street offices, shopfronts (附n号) for individuals."""
    count = len(district)
    base = _addresses(city, rng, district, street, flats=0.0)
    tower = join(
        base,
        _ints_to_strings(log_uniform_int(rng, 1, 12, count)),
        "栋",
        _ints_to_strings(log_uniform_int(rng, 1, 30, count)),
        "层",
        _padded(rng.integers(1, 30, size=count), 2),
        "号",
    )
    annex = join(base, "附", _ints_to_strings(rng.integers(1, 30, size=count)), "号")
    office = ~individual & ~city.street_town[street] & (rng.random(count) < 0.6)  # noqa: PLR2004
    shop = individual & (rng.random(count) < 0.4)  # noqa: PLR2004
    return pc.if_else(pa.array(office), tower, pc.if_else(pa.array(shop), annex, base))


def generate_enterprises(city: City, *, start: int, count: int, pool: PersonPool) -> EnterpriseBatch:
    """Market entities ``start`` … ``start + count - 1`` (ids ``start + 1`` …), legal representatives from ``pool``."""
    if count and not len(pool):
        msg = "pool of legal representatives is empty"
        raise ValueError(msg)
    rng = city.rng(STREAM_ENTERPRISES, start)
    type_index = pick(rng, [w for _, _, w in ENTITY_TYPES], count)
    kind_class = np.array([KIND_CLASSES.index(k) for _, k, _ in ENTITY_TYPES], dtype=np.int64)[type_index]
    individual = kind_class == KIND_CLASSES.index("individual")
    coop = kind_class == KIND_CLASSES.index("coop")

    div_codes, div_sections, w_company, w_shop, w_coop = _division_table()
    by_company, by_shop, by_coop = pick(rng, w_company, count), pick(rng, w_shop, count), pick(rng, w_coop, count)
    division = np.where(individual, by_shop, np.where(coop, by_coop, by_company))
    section = np.array(div_sections)[division]
    district = pick(rng, city.district_entities, count)
    street = city.street_of(rng, district, town_weight=1.0, street_weight=4.0)

    rep = rng.integers(0, len(pool), size=count)
    founded = _founding(city, rng, kind_class)
    # Nobody represents an entity before turning 18.
    founded = np.maximum(founded, timeutil.add_years(pool.birth[rep], 18) + rng.integers(30, 400, size=count))
    founded = np.minimum(founded, city.as_of_day)
    status, alive = _status(rng, individual, (city.as_of_day - founded).astype(np.int64) / 365.25)
    economics = _economics(rng, kind_class, section)

    index = np.arange(start, start + count, dtype=np.int64)
    reform = timeutil.day(dt.date(2015, 10, 1))
    scheme = np.where(founded >= reform, 2, np.where(individual, 1, 0))
    category = np.where(individual, 2, np.where(coop, 3, 1))
    uscc = codes.usccs(
        "9", category, city.district_codes[district], codes.organisation_bodies(index, scheme, city.org_offsets)
    )
    name = _entity_names(
        city,
        rng,
        kind_class=kind_class,
        division=division,
        district=district,
        rep_surname=pool.surnames.take(pa.array(rep)),
    )

    table = tables.conform(
        tables.ENTERPRISES,
        {
            "id": pa.array(index + 1, type=pa.int64()),
            "uscc": uscc,
            "name": name,
            "entity_type": _strings([t for t, _, _ in ENTITY_TYPES]).take(pa.array(type_index)),
            "legal_representative": pool.names.take(pa.array(rep)),
            "legal_representative_id": pool.id_numbers.take(pa.array(rep)),
            "industry_section": pa.array(section.tolist(), type=pa.string()),
            "industry_division": _strings(div_codes).take(pa.array(division)),
            "registered_capital": money(economics.capital),
            "founded_on": dates(founded),
            "district_code": _ints_to_strings(city.district_codes[district]),
            "street_code": city.street_codes.take(pa.array(street)),
            "address": _entity_addresses(city, rng, district, street, individual),
            "status": pa.array(status.tolist(), type=pa.string()),
            "employees": pa.array(economics.employees, type=pa.int64()),
            "synthetic": const(value=True, count=count, type_=pa.bool_()),
            "created_at": const(city.created_at, count, pa.timestamp("us", tz="UTC")),
        },
    )
    return EnterpriseBatch(
        table=table,
        start=start,
        kind_class=kind_class,
        division=division,
        section=section,
        district=district,
        founded=founded,
        alive=alive,
        status=status,
        revenue=economics.revenue,
        growth=economics.growth,
        employees=economics.employees,
    )


# --------------------------------------------------------------------------------------------- certificates

ETHNIC_GROUPS = (("汉", 0.955), ("藏", 0.012), ("彝", 0.01), ("回", 0.006), ("羌", 0.005), ("土家", 0.004),
                 ("苗", 0.003), ("满", 0.003), ("其他", 0.002))  # fmt: skip
"""民族 of Chengdu's population (overwhelmingly 汉, with Sichuan's 藏/彝/羌 minorities) [K]."""

DRIVING_CLASSES = (("C1", 0.76), ("C2", 0.14), ("B2", 0.04), ("A2", 0.01), ("A1", 0.01), ("B1", 0.01),
                   ("D", 0.03))  # fmt: skip
"""准驾车型 of driving licences [K]."""

VEHICLE_MODELS = (
    "比亚迪秦PLUS", "大众朗逸", "丰田卡罗拉", "日产轩逸", "本田思域", "吉利帝豪", "长安CS75", "哈弗H6",
    "特斯拉Model 3", "五菱宏光MINIEV", "比亚迪宋PLUS", "理想L7", "别克英朗", "奥迪A4L", "宝马3系",
)  # fmt: skip
"""Brand and model of the passenger cars on 行驶证 [K]."""

PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
"""Characters of the serial part of a plate (no I or O)."""


def _police_office(city: City, district: IntArray) -> pa.Array:
    """Police offices: 成都市公安局武侯区分局 for districts, 金堂县公安局 for counties and county-level cities."""
    is_district = np.array([n.endswith("区") for n in city.district_names.to_pylist()])[district]
    names = city.district_names.take(pa.array(district))
    return pc.if_else(pa.array(is_district), join("成都市公安局", names, "分局"), join(names, "公安局"))


def _json_objects(*pairs: tuple[str, pa.Array]) -> pa.Array:
    """JSON object text per row from (key, non-null string array) pairs; values hold no quotes or backslashes."""
    parts: list[pa.Array | str] = []
    for key, values in pairs:
        parts.extend([", " if parts else "", f'"{key}": "', values, '"'])
    return join("{", *parts, "}")


ID_CARD_PERIODS = ((16, 5), (26, 10), (46, 20))
"""居民身份证 validity by age at issue: under 16 five years, under 26 ten, under 46 twenty, then 长期."""

LICENCE_TERMS = (6, 10)
"""机动车驾驶证 terms: the first licence six years, the next ten, then 长期."""

Columns: TypeAlias = dict[str, pa.Array]


def _id_cards(city: City, rng: np.random.Generator, persons: PersonBatch, office: pa.Array) -> tuple[Columns, Days]:
    n = persons.table.num_rows
    today = city.as_of_day
    period = np.select([persons.age < age for age, _ in ID_CARD_PERIODS], [y for _, y in ID_CARD_PERIODS], default=0)
    issued = today - np.floor(rng.random(n) * np.maximum(period, 1) * 365.25).astype(np.int64)
    issued = np.where(period == 0, timeutil.add_years(persons.birth, 46) + rng.integers(0, 5 * 365, n), issued)
    lapsed = (period > 0) & (rng.random(n) < 0.03)  # noqa: PLR2004
    issued = np.where(lapsed, issued - np.maximum(period, 1) * 365 - rng.integers(10, 400, n), issued)
    issued = timeutil.clamp(issued, persons.birth + 30, today)
    card_to = timeutil.add_years(issued, np.maximum(period, 1))
    ethnic = _strings([e for e, _ in ETHNIC_GROUPS]).take(pa.array(pick(rng, [w for _, w in ETHNIC_GROUPS], n)))
    renewal = pc.if_else(pa.array(persons.age < 16), "首次申领", "换领")  # noqa: PLR2004
    columns = {
        "cert_type": const("居民身份证", n),
        "cert_number": persons.id_numbers,
        "holder_name": persons.names,
        "issuing_authority": office,
        "issued_on": dates(issued),
        "valid_to": pa.array(np.where(period == 0, np.datetime64("NaT"), card_to), pa.date32()),
        "details": _json_objects(("民族", ethnic), ("签发类型", renewal)),
    }
    return columns, issued


def _household_books(
    city: City, rng: np.random.Generator, persons: PersonBatch, office: pa.Array
) -> tuple[Columns, Days]:
    """户口簿: registered a few days after birth for most, on moving in for the rest."""
    n = persons.table.num_rows
    today = city.as_of_day
    household_no = _padded(rng.integers(0, 10**9, size=n), 9)
    moved_in = rng.random(n) < 0.4  # noqa: PLR2004
    registered = persons.birth + rng.integers(3, 60, n)
    span = np.maximum((today - persons.birth).astype(np.int64), 1)
    registered = np.where(moved_in, persons.birth + np.floor(rng.random(n) * span).astype(np.int64), registered)
    registered = timeutil.clamp(registered, persons.birth, today)
    collective = pc.if_else(pa.array(rng.random(n) < 0.07), "集体户", "家庭户")  # noqa: PLR2004
    station = pc.replace_substring_regex(city.street_names.take(pa.array(persons.street)), "(街道|镇|乡)$", "")
    columns = {
        "cert_type": const("户口簿", n),
        "cert_number": household_no,
        "holder_name": persons.names,
        "issuing_authority": join(office, station, "派出所"),
        "issued_on": dates(registered),
        "valid_to": pa.nulls(n, pa.date32()),
        "details": _json_objects(("户别", collective), ("户号", household_no)),
    }
    return columns, registered


def _driving_licences(city: City, rng: np.random.Generator, persons: PersonBatch) -> tuple[Columns, Days, IntArray]:
    """机动车驾驶证 (number = ID number) for about 40 % of adults."""
    today = city.as_of_day
    p_driver = np.select(
        [persons.age < 18, persons.age < 25, persons.age < 60, persons.age < 70],  # noqa: PLR2004
        [0.0, 0.30, 0.55, 0.30],
        default=0.08,
    )
    holders = np.flatnonzero(rng.random(len(p_driver)) < p_driver)
    m = len(holders)
    adult = timeutil.add_years(persons.birth[holders], 18)
    first = adult + np.floor(rng.random(m) * np.maximum(persons.age[holders] - 18, 0) * 365.25).astype(np.int64)
    first = np.minimum(first, today)
    held = (today - first).astype(np.int64) / 365.25
    short, long = LICENCE_TERMS
    renewed_once = timeutil.add_years(first, short)
    renewed_twice = timeutil.add_years(first, short + long)
    current = np.select([held < short, held < short + long], [first, renewed_once], default=renewed_twice)
    valid_to = np.select(
        [held < short, held < short + long], [renewed_once, renewed_twice], default=np.datetime64("NaT")
    )
    vehicle_class = _strings([c for c, _ in DRIVING_CLASSES]).take(
        pa.array(pick(rng, [w for _, w in DRIVING_CLASSES], m))
    )
    take = pa.array(holders)
    columns = {
        "cert_type": const("机动车驾驶证", m),
        "cert_number": persons.id_numbers.take(take),
        "holder_name": persons.names.take(take),
        "issuing_authority": const("成都市公安局交通管理局", m),
        "issued_on": dates(current),
        "valid_to": pa.array(valid_to, pa.date32()),
        "details": _json_objects(("准驾车型", vehicle_class), ("初次领证日期", pc.cast(dates(first), pa.string()))),
    }
    return columns, current, holders


def _vehicle_licences(
    city: City, rng: np.random.Generator, persons: PersonBatch, drivers: IntArray
) -> tuple[Columns, Days, IntArray]:
    """机动车行驶证 for half of the drivers: 川A plates, a fifth of them new-energy (D/F + five characters)."""
    today = city.as_of_day
    owners = drivers[rng.random(len(drivers)) < 0.5]  # noqa: PLR2004
    m = len(owners)
    serial = _strings(list(PLATE_CHARS)).take(pa.array(rng.integers(0, len(PLATE_CHARS), size=m * 6)))
    chars = [serial.slice(k * m, m) for k in range(6)]
    new_energy = rng.random(m) < 0.2  # noqa: PLR2004
    plate = pc.if_else(
        pa.array(new_energy),
        join("川A", pc.if_else(pa.array(rng.random(m) < 0.8), "D", "F"), *chars[1:6]),  # noqa: PLR2004
        join("川A", *chars[:5]),
    )
    registered = today - np.floor(rng.random(m) * 12 * 365.25).astype(np.int64)
    inspection = timeutil.add_years(registered, ((today - registered).astype(np.int64) // 730 + 1) * 2)
    model = _strings(list(VEHICLE_MODELS)).take(pa.array(rng.integers(0, len(VEHICLE_MODELS), size=m)))
    columns = {
        "cert_type": const("机动车行驶证", m),
        "cert_number": plate,
        "holder_name": persons.names.take(pa.array(owners)),
        "issuing_authority": const("四川省成都市公安局交通管理局", m),
        "issued_on": dates(registered),
        "valid_to": pa.nulls(m, pa.date32()),
        "details": _json_objects(
            ("号牌号码", plate),
            ("车辆类型", const("小型普通客车", m)),
            ("品牌型号", model),
            ("使用性质", const("非营运", m)),
            ("检验有效期至", pc.cast(dates(inspection), pa.string())),
        ),
    }
    return columns, registered, owners


def generate_certificates(city: City, persons: PersonBatch, *, ids: codes.RowIds) -> pa.Table:
    """居民身份证 and 户口簿 for everybody, 驾驶证 and 行驶证 for some adults (owner ``police``)."""
    rng = city.rng(STREAM_CERTIFICATES, int(persons.table.column("id")[0].as_py()) if persons.table.num_rows else 0)
    everybody = np.arange(persons.table.num_rows)
    office = _police_office(city, persons.district)
    id_cards, id_issued = _id_cards(city, rng, persons, office)
    books, registered = _household_books(city, rng, persons, office)
    driving, licensed, drivers = _driving_licences(city, rng, persons)
    vehicles, car_registered, owners = _vehicle_licences(city, rng, persons, drivers)
    parts = [
        (id_cards, everybody, id_issued),
        (books, everybody, registered),
        (driving, drivers, licensed),
        (vehicles, owners, car_registered),
    ]
    return pa.concat_tables(
        [
            record_table(
                tables.CERTIFICATES,
                ids=ids.take(tables.CERTIFICATES, len(rows)),
                owner="police",
                subject_kind="person",
                subjects=persons.id_numbers.take(pa.array(rows)),
                recorded=recorded,
                columns=columns,
            )
            for columns, rows, recorded in parts
        ]
    )


# --------------------------------------------------------------------------------------------- record tables


def record_table(
    name: str,
    *,
    ids: IntArray,
    owner: str | pa.Array,
    subject_kind: str,
    subjects: pa.Array,
    recorded: Days,
    columns: dict[str, pa.Array],
) -> pa.Table:
    """A chunk of record table ``name``: the common owner/subject/provenance columns plus the record's own."""
    n = len(ids)
    return tables.conform(
        name,
        {
            "id": pa.array(np.asarray(ids, dtype=np.int64), pa.int64()),
            "owner_department": const(owner, n) if isinstance(owner, str) else owner,
            "subject_kind": const(subject_kind, n),
            "subject_code": subjects,
            "source_system": const(SOURCE_SYSTEM, n),
            "recorded_at": stamps(recorded),
            "synthetic": const(value=True, count=n, type_=pa.bool_()),
            **columns,
        },
    )

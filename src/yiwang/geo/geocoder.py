"""Text → division geocoding for Chengdu: full addresses, citizen messages, short and historical names.

The geocoder scans the text for every name it knows — district names (full, short, historical), street names
(full, former town name, bare name), community names, the city's functional zones and places elsewhere in China —
keeps the longest non-overlapping mentions, and reasons over them:

* a street (or community) consistent with the districts named gives ``matched``;
* a district alone gives ``district_only``;
* a name shared by several places, a street that contradicts the named district, or only a functional zone
  (高新区, 天府新区 — not divisions) gives ``ambiguous`` with the candidates;
* nothing, only the city, or a place in another city gives ``unknown``.

It never guesses silently: ``confidence`` reflects the strongest evidence and drops for weak or conflicting
evidence, and ``reason`` says in Chinese what was recognised and why. Unlike cpca (see the stack notes) it knows
the current codes — 郫都区 510117, 新津区 510118, 双流区 510116 — and maps the old county names to them.

Bare street names that are everyday words or that name things spanning several streets (天府大道, 幸福, 团结…)
are only recognised with their suffix (天府街道, 幸福街道); see :data:`AMBIGUOUS_BARE_NAMES`.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path

from yiwang.geo.divisions import DATA_DIR, Divisions, StreetInfo

PLACES_FILE = DATA_DIR / "china_places.csv"
CITY_CODE = "510100"
PROVINCE_CODE = "51"


class GeocodeStatus(StrEnum):
    """How far the text could be resolved."""

    MATCHED = "matched"  # district and street
    DISTRICT_ONLY = "district_only"
    AMBIGUOUS = "ambiguous"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class GeocodeCandidate:
    """One possible reading of an ambiguous text."""

    district_code: str
    district_name: str
    street_code: str | None = None
    street_name: str | None = None


@dataclass(frozen=True, slots=True)
class GeocodeResult:
    """The outcome of geocoding one text; ``evidence`` lists the recognised names in text order."""

    status: GeocodeStatus
    district_code: str | None
    district_name: str | None
    street_code: str | None
    street_name: str | None
    confidence: float
    reason: str
    community_code: str | None = None
    community_name: str | None = None
    candidates: tuple[GeocodeCandidate, ...] = ()
    evidence: tuple[str, ...] = ()


class _Kind(StrEnum):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    ZONE = "zone"
    CITY = "city"
    PROVINCE = "province"
    ELSEWHERE = "elsewhere"


class _Form(StrEnum):
    FULL = "full"  # 武侯区, 玉林街道, 水井坊社区
    OLD = "old"  # 郫县 (a former county name), 犀浦镇 (the former town of 犀浦街道)
    SHORT = "short"  # 武侯, 玉林
    ROAD = "road"  # a bare name followed by 路/街/大道…: 玉林北路, 武侯大道


# How much one mention proves on its own (before corroboration).
_STREET_STRENGTH = {_Form.FULL: 0.92, _Form.OLD: 0.87, _Form.SHORT: 0.75, _Form.ROAD: 0.45}
_COMMUNITY_STRENGTH = 0.85
_DISTRICT_STRENGTH = {_Form.FULL: 0.9, _Form.OLD: 0.85, _Form.SHORT: 0.75, _Form.ROAD: 0.55}
_ELSEWHERE_PENALTY = 0.3

HISTORICAL_DISTRICT_NAMES: dict[str, str] = {
    "郫县": "510117",  # → 郫都区, 2016
    "新津县": "510118",  # → 新津区, 2020
    "双流县": "510116",  # → 双流区, 2015
    "温江县": "510115",  # → 温江区, 2002
    "新都县": "510114",  # → 新都区, 2001
    "灌县": "510181",  # → 都江堰市, 1988
    "彭县": "510182",  # → 彭州市, 1993
    "崇庆县": "510184",  # → 崇州市, 1994
    "邛崃县": "510183",  # → 邛崃市, 1994
    "简阳县": "510185",  # → 简阳市 (1994), under Chengdu since 2016
}
"""Former county names still used in addresses and messages → the current GB/T 2260 code."""

FUNCTIONAL_ZONES: dict[str, tuple[str, ...]] = {
    "成都高新区": ("510107", "510116", "510117", "510185"),
    "高新技术产业开发区": ("510107", "510116", "510117", "510185"),
    "高新区": ("510107", "510116", "510117", "510185"),
    "高新南区": ("510107", "510116"),
    "高新西区": ("510117", "510106"),
    "高新东区": ("510185",),
    "四川天府新区": ("510116", "510112", "510118"),
    "天府新区": ("510116", "510112", "510118"),
}
"""Functional zones (not GB/T 2260 divisions) → the districts their streets are counted under."""

AMBIGUOUS_NAMES_FILE = DATA_DIR / "ambiguous_bare_street_names.txt"


def _read_word_list(path: Path) -> frozenset[str]:
    with path.open(encoding="utf-8") as handle:
        return frozenset(word for line in handle if not line.startswith("#") for word in line.split())


AMBIGUOUS_BARE_NAMES = _read_word_list(AMBIGUOUS_NAMES_FILE)
"""Bare street names that are everyday words, surnames, names of other cities or things spanning several streets;
they are recognised only with their suffix (街道/镇/乡). Edit ``data/ambiguous_bare_street_names.txt``."""

_ROAD_SUFFIXES = ("大道", "大街", "广场", "公园", "路", "街", "巷", "桥", "道")
_STREET_SUFFIXES = ("街道", "镇", "乡")
_COMMITTEE_SUFFIXES = ("居民委员会", "居委会", "村民委员会", "村委会")
_LEADING_NOISE = ("中国", "中华人民共和国")


@dataclass(frozen=True, slots=True)
class _Entry:
    """What one alias means: a kind, a form and the codes it may stand for."""

    kind: _Kind
    form: _Form
    codes: tuple[str, ...]
    label: str = ""  # for ELSEWHERE: the full place name


@dataclass(frozen=True, slots=True)
class _Mention:
    start: int
    end: int
    text: str
    entry: _Entry


@dataclass(slots=True)
class _Evidence:
    districts: list[_Mention] = field(default_factory=list)
    streets: list[_Mention] = field(default_factory=list)
    communities: list[_Mention] = field(default_factory=list)
    zones: list[_Mention] = field(default_factory=list)
    city: list[_Mention] = field(default_factory=list)
    elsewhere: list[_Mention] = field(default_factory=list)
    all: list[_Mention] = field(default_factory=list)

    def terms(self) -> tuple[str, ...]:
        """The recognised names in text order, each once."""
        return tuple(dict.fromkeys(m.text for m in self.all))


@dataclass(frozen=True, slots=True)
class _Place:
    code: str
    name: str
    level: str
    province: str
    city: str


@cache
def _load_places(path: Path = PLACES_FILE) -> tuple[_Place, ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(_Place(r["code"], r["name"], r["level"], r["province"], r["city"]) for r in csv.DictReader(handle))


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters → ASCII), no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _strip_suffix(name: str, suffixes: Iterable[str]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def community_short_name(name: str) -> str:
    """The name people use: 水井坊社区居委会 → 水井坊社区, 跳蹬村委会 → 跳蹬村, 大梁村村委会 → 大梁村."""
    short = _strip_suffix(name, _COMMITTEE_SUFFIXES).replace("社区工作站社区", "社区")
    if short.endswith(("社区", "村")):
        return short
    return short + ("村" if name.endswith(("村民委员会", "村委会")) else "社区")


def _short_place_name(name: str) -> str:
    for suffix in ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市", "地区", "盟"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:  # noqa: PLR2004 - keep two-character stems
            return name[: -len(suffix)]
    return name


class Geocoder:
    """Geocodes free text against the given divisions; build once, call :meth:`geocode` many times."""

    def __init__(self, divisions: Divisions) -> None:
        self._districts = {d.code: d for d in divisions.districts}
        self._streets = {s.code: s for s in divisions.streets}
        self._communities = {c.code: c for c in divisions.communities}
        self._aliases: dict[str, list[_Entry]] = {}
        self._start_only: dict[str, _Entry] = {}
        self._build(divisions)
        self._index: dict[str, list[str]] = {}
        for alias in sorted(self._aliases, key=len, reverse=True):
            self._index.setdefault(alias[:2], []).append(alias)
        self._start_index: dict[str, list[str]] = {}
        for alias in sorted(self._start_only, key=len, reverse=True):
            self._start_index.setdefault(alias[:2], []).append(alias)

    # ---- vocabulary -------------------------------------------------------------------------------------------

    def _add(self, alias: str, entry: _Entry) -> None:
        if len(alias) < 2:  # noqa: PLR2004 - one character is never a name on its own
            return
        entries = self._aliases.setdefault(alias, [])
        for index, existing in enumerate(entries):
            if existing.kind == entry.kind and existing.form == entry.form:
                merged = tuple(sorted({*existing.codes, *entry.codes}))
                entries[index] = _Entry(entry.kind, entry.form, merged, existing.label or entry.label)
                return
        entries.append(entry)

    def _build(self, divisions: Divisions) -> None:
        district_short = self._build_districts(divisions)
        for street in divisions.streets:
            self._build_street(street, district_short)
        for community in divisions.communities:
            self._add(community.name, _Entry(_Kind.COMMUNITY, _Form.FULL, (community.code,)))
            short = community_short_name(community.name)
            if len(short) >= 3:  # noqa: PLR2004 - 新村 alone is a word, 石羊村 is a name
                self._add(short, _Entry(_Kind.COMMUNITY, _Form.FULL, (community.code,)))
        self._build_elsewhere()

    def _build_districts(self, divisions: Divisions) -> set[str]:
        """District names (full, short, historical), functional zones, the city and the province."""
        district_short: set[str] = set()
        for d in divisions.districts:
            self._add(d.name, _Entry(_Kind.DISTRICT, _Form.FULL, (d.code,)))
            short = _strip_suffix(d.name, ("区", "县", "市"))
            district_short.add(short)
            self._add(short, _Entry(_Kind.DISTRICT, _Form.SHORT, (d.code,)))
        for old, code in HISTORICAL_DISTRICT_NAMES.items():
            if code in self._districts:
                self._add(old, _Entry(_Kind.DISTRICT, _Form.OLD, (code,)))
        for zone, codes in FUNCTIONAL_ZONES.items():
            present = tuple(c for c in codes if c in self._districts)
            if present:
                self._add(zone, _Entry(_Kind.ZONE, _Form.FULL, present, label=zone))
        for alias in ("成都市", "成都", "蓉城"):
            self._add(alias, _Entry(_Kind.CITY, _Form.FULL, (CITY_CODE,)))
        for alias in ("四川省", "四川"):
            self._add(alias, _Entry(_Kind.PROVINCE, _Form.FULL, (PROVINCE_CODE,)))
        return district_short

    def _build_street(self, street: StreetInfo, district_short: set[str]) -> None:
        """A street's full name, its former town name (街道 only), 街办, and its bare name where unambiguous."""
        self._add(street.name, _Entry(_Kind.STREET, _Form.FULL, (street.code,)))
        base = _strip_suffix(street.name, _STREET_SUFFIXES)
        if base == street.name:
            return
        if street.kind == "街道":
            self._add(base + "街办", _Entry(_Kind.STREET, _Form.FULL, (street.code,)))
            if not base.endswith(("镇", "乡", "街", "路")):
                # Most 街道 of the city were towns until recently (犀浦镇 → 犀浦街道); people keep the old name.
                self._add(base + "镇", _Entry(_Kind.STREET, _Form.OLD, (street.code,)))
                self._add(base + "乡", _Entry(_Kind.STREET, _Form.OLD, (street.code,)))
        bases = [base, base[:-1]] if base.endswith(("镇", "乡")) else [base]  # 天回镇街道 → 天回镇, 天回
        for bare in bases:
            # A bare name equal to a district's short name (新都, 龙泉驿) means the district.
            if bare not in AMBIGUOUS_BARE_NAMES and bare not in district_short:
                self._add(bare, _Entry(_Kind.STREET, _Form.SHORT, (street.code,)))

    def _build_elsewhere(self) -> None:
        """Places outside the city: full names anywhere in the text, short names only at its start."""
        home = set(self._aliases)
        # Every piece of a home name, so that a place elsewhere spelled inside one (e.g. in a community's name)
        # is not mistaken for it.
        inside_home = {alias[i:j] for alias in home for i in range(len(alias)) for j in range(i + 3, len(alias) + 1)}
        for place in _load_places():
            if place.code in {PROVINCE_CODE, CITY_CODE[:4]} or place.code.startswith(CITY_CODE[:4]):
                continue
            name = place.name
            if len(name) < 3 or name in inside_home:  # noqa: PLR2004
                continue  # 城区/郊区 are words; a name inside a Chengdu name (e.g. in a community) is not elsewhere
            label = (
                name
                if place.level == "province"
                else f"{place.province}{place.city if place.city != name else ''}{name}"
            )
            self._add(name, _Entry(_Kind.ELSEWHERE, _Form.FULL, (place.code,), label=label))
            if place.level in {"province", "city"}:
                short = _short_place_name(name)
                if short != name and short not in home:
                    self._start_only.setdefault(short, _Entry(_Kind.ELSEWHERE, _Form.SHORT, (place.code,), label=label))

    # ---- scanning ---------------------------------------------------------------------------------------------

    def _scan(self, text: str) -> list[_Mention]:
        found: list[_Mention] = []
        for start in range(len(text) - 1):
            for alias in self._index.get(text[start : start + 2], ()):
                if text.startswith(alias, start):
                    end = start + len(alias)
                    found.extend(
                        _Mention(start, end, alias, self._refine(text, start, alias, entry))
                        for entry in self._aliases[alias]
                    )
        offset = next((len(p) for p in _LEADING_NOISE if text.startswith(p)), 0)
        for alias in self._start_index.get(text[offset : offset + 2], ()):
            end = offset + len(alias)
            if text.startswith(alias, offset) and not text.startswith(_ROAD_SUFFIXES, end):
                found.append(_Mention(offset, end, alias, self._start_only[alias]))
        # Longest mentions win; a name inside a longer one (玉林 in 玉林街道) is not a mention of its own.
        chosen: list[_Mention] = []
        taken: list[tuple[int, int]] = []
        for mention in sorted(found, key=lambda m: (-(m.end - m.start), m.start)):
            if any(mention.start < end and start < mention.end for start, end in taken):
                if not any(m.start == mention.start and m.end == mention.end for m in chosen):
                    continue
            else:
                taken.append((mention.start, mention.end))
            chosen.append(mention)
        return sorted(chosen, key=lambda m: (m.start, m.entry.kind))

    @staticmethod
    def _refine(text: str, start: int, alias: str, entry: _Entry) -> _Entry:
        """A bare name right before 路/街/大道… is a road name: weaker evidence (玉林北路, 武侯大道)."""
        if entry.form != _Form.SHORT or entry.kind not in {_Kind.STREET, _Kind.DISTRICT}:
            return entry
        rest = text[start + len(alias) :]
        if rest.startswith(_ROAD_SUFFIXES) or (
            rest[:1] in set("东南西北中一二三四五六七八九") and rest[1:2] in {"路", "街"}
        ):
            return _Entry(entry.kind, _Form.ROAD, entry.codes, entry.label)
        return entry

    # ---- reasoning --------------------------------------------------------------------------------------------

    def geocode(self, text: str) -> GeocodeResult:
        """Resolve ``text`` to a district and street of the city, with a confidence and a reason in Chinese."""
        clean = normalize(text)
        if not clean:
            return _unknown("地址为空", ())
        evidence = _Evidence()
        buckets = {
            _Kind.DISTRICT: evidence.districts,
            _Kind.STREET: evidence.streets,
            _Kind.COMMUNITY: evidence.communities,
            _Kind.ZONE: evidence.zones,
            _Kind.CITY: evidence.city,
            _Kind.PROVINCE: evidence.city,
            _Kind.ELSEWHERE: evidence.elsewhere,
        }
        for mention in self._scan(clean):
            evidence.all.append(mention)
            buckets[mention.entry.kind].append(mention)
        return self._resolve(evidence)

    def _district_candidate(self, code: str) -> GeocodeCandidate:
        return GeocodeCandidate(code, self._districts[code].name)

    def _street_candidate(self, code: str) -> GeocodeCandidate:
        street = self._streets[code]
        return GeocodeCandidate(street.district_code, self._districts[street.district_code].name, code, street.name)

    def _district_of(self, street_code: str) -> str:
        return self._streets[street_code].district_code

    def _resolve(self, ev: _Evidence) -> GeocodeResult:  # noqa: PLR0911 - a decision ladder, one return per outcome
        """Decide from the mentions, strongest evidence first (see the module docstring)."""
        terms = ev.terms()
        chengdu_strong = bool(ev.communities) or any(
            m.entry.form in {_Form.FULL, _Form.OLD} for m in [*ev.districts, *ev.streets]
        )
        if ev.elsewhere and not ev.city and not chengdu_strong:
            return _unknown(f"地址不在成都市（识别到{_places(ev)}）", terms)

        named = {code for m in ev.districts for code in m.entry.codes}
        notes: list[str] = []
        consistent, conflicts = self._street_hypotheses(ev, named, notes)
        if consistent:
            return self._from_streets(ev, named, consistent, notes)
        if conflicts:
            streets, mention = conflicts[0]
            owners = "、".join(sorted({self._districts[self._district_of(s)].name for s in streets}))
            said = "、".join(self._districts[c].name for c in sorted(named))
            options = [self._district_candidate(c) for c in sorted(named)]
            options += [self._street_candidate(s) for s in sorted(streets)]
            return _ambiguous(f"「{mention.text}」属于{owners}，与文中的{said}不一致，请核实", options, 0.3, terms)
        if named:
            return self._from_districts(ev, named, notes)
        if ev.zones:
            zone = ev.zones[0].text
            codes = sorted({code for m in ev.zones for code in m.entry.codes})
            involved = "、".join(self._districts[c].name for c in codes)
            if len(codes) == 1:
                return GeocodeResult(
                    status=GeocodeStatus.DISTRICT_ONLY,
                    district_code=codes[0],
                    district_name=involved,
                    street_code=None,
                    street_name=None,
                    confidence=0.6,
                    reason=f"「{zone}」是功能区而不是行政区划，其街道属于{involved}；未识别到街道（乡镇）",
                    evidence=terms,
                )
            reason = f"「{zone}」是功能区而不是行政区划，涉及{involved}，请补充街道或社区"
            return _ambiguous(reason, [self._district_candidate(c) for c in codes], 0.2, terms)
        if ev.elsewhere:
            return _unknown(f"地址不在成都市（识别到{_places(ev)}）", terms)
        if ev.city:
            return _unknown(f"只识别到「{ev.city[0].text}」，未识别到区（市）县、街道或社区", terms)
        return _unknown("未识别到成都市的区（市）县、街道（乡镇）或社区名称", terms)

    def _street_hypotheses(
        self, ev: _Evidence, named: set[str], notes: list[str]
    ) -> tuple[list[_Hypothesis], list[tuple[set[str], _Mention]]]:
        """Street readings consistent with the named districts, and strong ones that contradict them."""
        hypotheses = [_Hypothesis(set(m.entry.codes), _STREET_STRENGTH[m.entry.form], m) for m in ev.streets]
        hypotheses += [
            _Hypothesis({self._communities[c].street_code for c in m.entry.codes}, _COMMUNITY_STRENGTH, m)
            for m in ev.communities
        ]
        consistent: list[_Hypothesis] = []
        conflicts: list[tuple[set[str], _Mention]] = []
        for hypothesis in hypotheses:
            streets = hypothesis.streets
            kept = {s for s in streets if self._district_of(s) in named} if named else set(streets)
            if kept:
                consistent.append(_Hypothesis(kept, hypothesis.strength, hypothesis.mention))
            elif hypothesis.mention.entry.form in {_Form.FULL, _Form.OLD}:
                conflicts.append((streets, hypothesis.mention))
            else:
                notes.append(f"「{hypothesis.mention.text}」不在所述区县内，未采用")
        consistent.sort(key=lambda h: -h.strength)
        return consistent, conflicts

    def _from_streets(
        self, ev: _Evidence, named: set[str], consistent: list[_Hypothesis], notes: list[str]
    ) -> GeocodeResult:
        terms = ev.terms()
        top = consistent[0]
        candidates = set(top.streets)
        support = 0
        rivals: set[str] = set()
        for other in consistent[1:]:
            if candidates & other.streets:
                candidates &= other.streets
                support += 1
            elif other.strength >= top.strength:
                rivals |= other.streets
            elif other.mention.entry.form != _Form.ROAD:  # roads named after another street are common
                notes.append(
                    f"「{other.mention.text}」与「{top.mention.text}」不一致，按较强的「{top.mention.text}」判断"
                )
        zone_codes = {code for m in ev.zones for code in m.entry.codes}
        if zone_codes and len(candidates) > 1:
            narrowed = {s for s in candidates if self._district_of(s) in zone_codes}
            if narrowed and narrowed != candidates:
                notes.append(f"按功能区「{ev.zones[0].text}」排除了其他同名街道")
                candidates = narrowed
        if rivals:
            options = sorted(candidates | rivals)
            listed = "、".join(self._streets[s].name for s in options)
            reason = f"文中提到多个街道（{listed}），无法确定是哪一个"
            return _ambiguous(reason, [self._street_candidate(s) for s in options], top.strength / len(options), terms)
        if len(candidates) == 1:
            return self._matched(next(iter(candidates)), top, ev, named=named, support=support, notes=notes)
        options = sorted(candidates)
        names = "、".join(f"{self._districts[self._district_of(s)].name}{self._streets[s].name}" for s in options)
        districts = {self._district_of(s) for s in options}
        if len(districts) == 1:
            code = next(iter(districts))
            return GeocodeResult(
                status=GeocodeStatus.DISTRICT_ONLY,
                district_code=code,
                district_name=self._districts[code].name,
                street_code=None,
                street_name=None,
                confidence=round(min(top.strength, 0.8), 2),
                reason=f"「{top.mention.text}」对应{names}，只能确定区县",
                candidates=tuple(self._street_candidate(s) for s in options),
                evidence=terms,
            )
        hint = "" if named else "，请补充区（市）县"
        reason = f"「{top.mention.text}」同时是{names}的名称{hint}"
        return _ambiguous(reason, [self._street_candidate(s) for s in options], top.strength / len(options), terms)

    def _from_districts(self, ev: _Evidence, named: set[str], notes: list[str]) -> GeocodeResult:
        terms = ev.terms()
        if len(named) > 1:
            options = sorted(named)
            listed = "、".join(self._districts[c].name for c in options)
            reason = f"文中提到多个区（市）县（{listed}），未识别到街道"
            return _ambiguous(reason, [self._district_candidate(c) for c in options], 0.9 / len(options), terms)
        code = next(iter(named))
        mention = max(ev.districts, key=lambda m: _DISTRICT_STRENGTH[m.entry.form])
        form = mention.entry.form
        how = {
            _Form.FULL: f"识别到区县「{mention.text}」",
            _Form.OLD: f"识别到旧称「{mention.text}」（现为{self._districts[code].name}）",
            _Form.SHORT: f"仅识别到区县简称「{mention.text}」",
            _Form.ROAD: f"仅识别到含区县名的道路「{mention.text}…」",
        }[form]
        confidence = _penalise(_DISTRICT_STRENGTH[form] + (0.03 if ev.city else 0.0), ev, notes)
        return GeocodeResult(
            status=GeocodeStatus.DISTRICT_ONLY,
            district_code=code,
            district_name=self._districts[code].name,
            street_code=None,
            street_name=None,
            confidence=round(confidence, 2),
            reason="；".join([f"{how}，未识别到街道（乡镇）", *notes]),
            evidence=terms,
        )

    def _matched(
        self, street_code: str, top: _Hypothesis, ev: _Evidence, *, named: set[str], support: int, notes: list[str]
    ) -> GeocodeResult:
        street = self._streets[street_code]
        district = self._districts[street.district_code]
        mention = top.mention
        confidence = top.strength + 0.02 * min(support, 2) + (0.02 if ev.city else 0.0)
        parts = []
        said = [m for m in ev.districts if street.district_code in m.entry.codes]
        if said:
            strong = any(m.entry.form in {_Form.FULL, _Form.OLD} for m in said)
            confidence += 0.06 if strong else 0.03
            parts.append(f"区县「{said[0].text}」")
        communities = {
            c for m in ev.communities for c in m.entry.codes if self._communities[c].street_code == street_code
        }
        community = self._communities[next(iter(communities))] if len(communities) == 1 else None
        if mention.entry.kind == _Kind.COMMUNITY:
            parts.append(f"社区「{mention.text}」")
        else:
            parts.append(
                {
                    _Form.FULL: f"街道「{mention.text}」",
                    _Form.OLD: f"「{mention.text}」（现为{street.name}）",
                    _Form.SHORT: f"街道名「{mention.text}」（无后缀）",
                    _Form.ROAD: f"道路名「{mention.text}…」",
                }[mention.entry.form]
            )
        if mention.entry.form == _Form.ROAD:
            notes.append("仅凭道路名推断，道路可能跨越多个街道，请核实")
        elif not named:
            notes.append("文中未写区县，由街道推断")
        confidence = _penalise(confidence, ev, notes)
        return GeocodeResult(
            status=GeocodeStatus.MATCHED,
            district_code=district.code,
            district_name=district.name,
            street_code=street.code,
            street_name=street.name,
            confidence=round(confidence, 2),
            reason="；".join([f"识别到{'、'.join(parts)} → {district.name}{street.name}", *notes]),
            community_code=community.code if community else None,
            community_name=community.name if community else None,
            evidence=ev.terms(),
        )


@dataclass(frozen=True, slots=True)
class _Hypothesis:
    """A reading "the text is about one of these streets", with how much its mention proves."""

    streets: set[str]
    strength: float
    mention: _Mention


def _unknown(reason: str, terms: tuple[str, ...]) -> GeocodeResult:
    return GeocodeResult(GeocodeStatus.UNKNOWN, None, None, None, None, 0.0, reason, evidence=terms)


def _ambiguous(
    reason: str, candidates: Sequence[GeocodeCandidate], confidence: float, terms: tuple[str, ...]
) -> GeocodeResult:
    return GeocodeResult(
        status=GeocodeStatus.AMBIGUOUS,
        district_code=None,
        district_name=None,
        street_code=None,
        street_name=None,
        confidence=round(confidence, 2),
        reason=reason,
        candidates=tuple(candidates),
        evidence=terms,
    )


def _penalise(confidence: float, ev: _Evidence, notes: list[str]) -> float:
    """Lower the confidence when another city is mentioned too; keep it within (0, 1)."""
    if ev.elsewhere:
        notes.append(f"文中还提到{_places(ev)}，请核实地址是否在成都市")
        confidence -= _ELSEWHERE_PENALTY
    return max(min(confidence, 0.99), 0.05)


def _places(ev: _Evidence) -> str:
    """The places elsewhere, most specific only (北京市朝阳区 rather than 北京市、北京市朝阳区)."""
    labels = list(dict.fromkeys(m.entry.label for m in ev.elsewhere))
    return "、".join(label for label in labels if not any(o != label and o.startswith(label) for o in labels))


def geocode_many(geocoder: Geocoder, texts: Sequence[str]) -> list[GeocodeResult]:
    """Geocode several texts with one geocoder (convenience for batch jobs)."""
    return [geocoder.geocode(text) for text in texts]

"""Duplicate detection (并单建议) without I/O: text similarity, distance, time, and one score.

The same problem is often reported many times (a broken street light, a noisy site). Two appeals are suggested as
duplicates when they share the category, lie close together (pins within a distance, or the same street when a
pin is missing), were reported within a window, and their texts are similar by character bigrams (Chinese text
has no spaces; bigram overlap is robust to word order and small rewordings).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
EARTH_RADIUS_M = 6_371_000.0


def _grams(text: str, n: int = 2) -> Counter[str]:
    clean = _NOISE.sub("", text.lower())
    if len(clean) < n:
        return Counter([clean]) if clean else Counter()
    return Counter(clean[i : i + n] for i in range(len(clean) - n + 1))


def similarity(a: str, b: str) -> float:
    """Cosine similarity of the two texts' character-bigram counts (0..1).

    Examples:
        >>> round(similarity("玉林路路灯不亮", "玉林路的路灯坏了不亮"), 2) > 0.5
        True
        >>> similarity("路灯不亮", "噪音扰民")
        0.0
    """
    ga, gb = _grams(a), _grams(b)
    if not ga or not gb:
        return 0.0
    dot = sum(count * gb[g] for g, count in ga.items())
    norm = math.sqrt(sum(c * c for c in ga.values())) * math.sqrt(sum(c * c for c in gb.values()))
    return dot / norm if norm else 0.0


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine; WGS-84 pins)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class Report:
    """What duplicate detection compares about one appeal."""

    text: str
    category: str | None
    lon: float | None
    lat: float | None
    street_code: str | None
    hours: float  # hours since an arbitrary epoch (only differences matter)


@dataclass(frozen=True, slots=True)
class Match:
    """Why a candidate looks like the same problem."""

    score: float
    similarity: float
    distance_m: float | None
    hours_apart: float


def compare(  # noqa: PLR0911 - one test a return; the thresholds are the configuration
    new: Report,
    old: Report,
    *,
    window_hours: float,
    max_distance_m: float,
    min_similarity: float,
    min_score: float,
) -> Match | None:
    """A match when both are in the same category, place and window and similar enough; else None.

    The score weighs text similarity (60 %), closeness (25 %) and recency (15 %).
    """
    if not new.category or new.category != old.category:
        return None
    apart = abs(new.hours - old.hours)
    if apart > window_hours:
        return None
    dist: float | None = None
    if None not in (new.lon, new.lat, old.lon, old.lat):
        dist = distance_m(new.lon, new.lat, old.lon, old.lat)  # type: ignore[arg-type]
        if dist > max_distance_m:
            return None
        closeness = 1.0 - dist / max_distance_m
    elif new.street_code and new.street_code == old.street_code:
        closeness = 0.5  # same street, no pins: near, but not provably the same spot
    else:
        return None
    sim = similarity(new.text, old.text)
    if sim < min_similarity:
        return None
    score = 0.6 * sim + 0.25 * closeness + 0.15 * (1.0 - apart / window_hours)
    if score < min_score:
        return None
    return Match(score=round(score, 3), similarity=round(sim, 3), distance_m=dist, hours_apart=round(apart, 2))

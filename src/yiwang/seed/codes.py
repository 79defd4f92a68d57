"""Vectorised construction of identifiers (公民身份号码, 统一社会信用代码) and per-group sequence numbers.

The check characters follow ``yiwang.kernel.identifiers`` (domain.md §7.1–7.2): ISO 7064 MOD 11-2 for ID
numbers, GB 11714 for the organisation code inside a USCC and GB 32100 for the USCC itself. They are computed
on whole numpy arrays (one row per identifier, one column per character) so millions of codes cost seconds.
Uniqueness is by construction: ID numbers take a sequence number that is unique per (area, birth date, sex) via
:class:`DenseSequence`; organisation codes are an affine bijection of the entity's global index.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from yiwang.kernel.identifiers import ID_CHECK_CHARS, ID_WEIGHTS, ORG_WEIGHTS, USCC_CHARSET, USCC_WEIGHTS

IntArray: TypeAlias = NDArray[np.int64]
BoolArray: TypeAlias = NDArray[np.bool_]

_ID_W = np.array(ID_WEIGHTS, dtype=np.int64)
_USCC_W = np.array(USCC_WEIGHTS, dtype=np.int64)
_ORG_W = np.array(ORG_WEIGHTS, dtype=np.int64)
_POW10_17 = 10 ** np.arange(16, -1, -1, dtype=np.int64)
_ID_CHECK = np.array(list(ID_CHECK_CHARS))
_USCC_CHARS = np.array(list(USCC_CHARSET))
_ORG_VALUE = np.array([int(c) if c.isdigit() else ord(c) - ord("A") + 10 for c in USCC_CHARSET], dtype=np.int64)
"""GB 11714 value of each USCC character (digits as themselves, letters A=10 … Z=35)."""

SEQUENCE_SLOTS = 500
"""Sequence numbers per (area, birth date, sex): 000–999 split by parity (odd = male, even = female)."""

_ORG_NUMERIC_MOD = 10**8
_ORG_LEGACY_MOD = 10**7
_ORG_NEW_MOD = 31**6
# Multipliers coprime with their moduli make i → (a·i + b) mod m a bijection, so distinct entities never share
# an organisation code while consecutive entities still get unrelated-looking codes.
_ORG_NUMERIC_MUL = 48_271
_ORG_LEGACY_MUL = 69_621
_ORG_NEW_MUL = 1_103_515


def rows_to_strings(chars: np.ndarray) -> pa.Array:
    """Join an (n, k) array of one-character strings row-wise into n strings of length k."""
    n, k = chars.shape
    if n == 0:
        return pa.array([], type=pa.string())
    joined = np.ascontiguousarray(chars, dtype="<U1").view(f"<U{k}").reshape(n)
    return pa.array(joined, type=pa.string())


def citizen_id_numbers(area: IntArray, ymd: IntArray, sequence: IntArray) -> pa.Array:
    """18-character 公民身份号码 from area codes (6 digits), birth dates (YYYYMMDD) and sequences (0–999)."""
    body = np.asarray(area, dtype=np.int64) * 10**11 + np.asarray(ymd, dtype=np.int64) * 1000 + sequence
    digits = (body[:, None] // _POW10_17[None, :]) % 10
    check = (digits * _ID_W).sum(axis=1) % 11
    # The area code starts with a non-zero digit, so the body prints as exactly 17 digits.
    return pc.binary_join_element_wise(
        pc.cast(pa.array(body, pa.int64()), pa.string()), pa.array(_ID_CHECK[check], pa.string()), ""
    )


def organisation_bodies(index: IntArray, scheme: IntArray, offsets: tuple[int, int, int]) -> IntArray:
    """The 8 body characters (as USCC charset indices) of GB 11714 organisation codes.

    ``scheme`` 0 = legacy all-digit code (before the 2015 reform), 1 = "L" + 7 digits (individual businesses
    converted from old licences, [K]), 2 = "MA" + 6 characters (codes assigned since the reform). ``index`` is
    the entity's global index; each scheme maps it bijectively, so codes are unique across the whole city.
    """
    n = len(index)
    out = np.zeros((n, 8), dtype=np.int64)
    numeric = (_ORG_NUMERIC_MUL * index + offsets[0]) % _ORG_NUMERIC_MOD
    legacy = (_ORG_LEGACY_MUL * index + offsets[1]) % _ORG_LEGACY_MOD
    new = (_ORG_NEW_MUL * index + offsets[2]) % _ORG_NEW_MOD
    for pos in range(8):
        out[:, pos] = np.select(
            [scheme == 0, scheme == 1],
            [
                (numeric // 10 ** (7 - pos)) % 10,
                USCC_CHARSET.index("L") if pos == 0 else (legacy // 10 ** (7 - pos)) % 10,
            ],
            default=(
                USCC_CHARSET.index("M")
                if pos == 0
                else USCC_CHARSET.index("A")
                if pos == 1
                else (new // 31 ** (7 - pos)) % 31
            ),
        )
    return out


def org_check_index(body: np.ndarray) -> IntArray:
    """GB 11714 check character of 8-character bodies, as USCC charset indices ('X' or a digit)."""
    remainder = 11 - (_ORG_VALUE[body] * _ORG_W).sum(axis=1) % 11
    x_index = USCC_CHARSET.index("X")
    result: IntArray = np.where(remainder == 10, x_index, np.where(remainder == 11, 0, remainder))  # noqa: PLR2004
    return result


def usccs(registrar: str, category: IntArray, area: IntArray, body: np.ndarray) -> pa.Array:
    """18-character 统一社会信用代码: registrar, category digit, area code, organisation code, check."""
    n = len(category)
    idx = np.zeros((n, 18), dtype=np.int64)
    idx[:, 0] = USCC_CHARSET.index(registrar)
    idx[:, 1] = category
    for pos in range(6):
        idx[:, 2 + pos] = (area // 10 ** (5 - pos)) % 10
    idx[:, 8:16] = body
    idx[:, 16] = org_check_index(body)
    idx[:, 17] = (31 - (idx[:, :17] * _USCC_W).sum(axis=1) % 31) % 31
    return rows_to_strings(_USCC_CHARS[idx])


def rank_within_groups(keys: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """For each row its 0-based rank among equal keys (in row order), plus the unique keys and their counts."""
    if len(keys) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.concatenate(([0], np.flatnonzero(np.diff(sorted_keys)) + 1))
    counts = np.diff(np.concatenate((starts, [len(keys)])))
    rank_sorted = np.arange(len(keys)) - np.repeat(starts, counts)
    ranks = np.empty(len(keys), dtype=np.int64)
    ranks[order] = rank_sorted
    return ranks, sorted_keys[starts].astype(np.int64), counts.astype(np.int64)


class SequenceCounter:
    """Running 1-based sequence numbers per key (e.g. per office and year), continued across chunks."""

    def __init__(self) -> None:
        self._used: dict[int, int] = {}

    def take(self, keys: IntArray) -> IntArray:
        """The next numbers for these keys, in row order."""
        ranks, unique, counts = rank_within_groups(keys)
        base_of_unique = np.array([self._used.get(int(k), 0) for k in unique], dtype=np.int64)
        for key, base, count in zip(unique.tolist(), base_of_unique.tolist(), counts.tolist(), strict=True):
            self._used[key] = base + count
        result: IntArray = base_of_unique[np.searchsorted(unique, keys)] + ranks + 1
        return result


class DenseSequence:
    """Slots 0..capacity-1 handed out per key over a dense key space (e.g. area × birth day × sex)."""

    def __init__(self, size: int, capacity: int = SEQUENCE_SLOTS) -> None:
        self.used = np.zeros(size, dtype=np.int32)
        self.capacity = capacity

    def take(self, keys: IntArray) -> tuple[IntArray, BoolArray]:
        """Slot per row and whether it fitted; rows that did not fit get no slot and must try another key."""
        ranks, unique, counts = rank_within_groups(keys)
        slot = self.used[keys].astype(np.int64) + ranks
        fits: BoolArray = slot < self.capacity
        self.used[unique] = np.minimum(self.used[unique] + counts, self.capacity)
        return slot, fits


class RowIds:
    """Primary keys per table, continued across chunks (ids are part of the deterministic output)."""

    def __init__(self, first: dict[str, int] | None = None) -> None:
        self._next: dict[str, int] = dict(first or {})

    def take(self, table: str, count: int) -> IntArray:
        """The next ``count`` ids of ``table``."""
        first = self._next.get(table, 1)
        self._next[table] = first + count
        return np.arange(first, first + count, dtype=np.int64)

    def peek(self, table: str) -> int:
        """The id the next row of ``table`` will get."""
        return self._next.get(table, 1)

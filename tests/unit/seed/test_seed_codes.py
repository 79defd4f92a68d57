"""Vectorised identifier construction agrees with the kernel's scalar checks; sequences never repeat."""

import numpy as np
import pytest

from yiwang.kernel.identifiers import (
    USCC_CHARSET,
    id_check_char,
    org_code_check_char,
    uscc_check_char,
    validate_citizen_id,
    validate_uscc,
)
from yiwang.seed import codes


def test_citizen_id_numbers_match_the_documented_example_and_the_kernel_check() -> None:
    numbers = codes.citizen_id_numbers(
        np.array([510107, 510104, 510185]), np.array([19900307, 20000101, 19400229]), np.array([123, 2, 999])
    ).to_pylist()
    assert numbers[0] == "510107199003071236"  # domain.md §7.2 example
    for number in numbers:
        assert number[17] == id_check_char(number[:17])
        validate_citizen_id(number)


def test_random_bodies_get_the_same_check_characters_as_the_kernel() -> None:
    rng = np.random.default_rng(1)
    area = rng.choice([510104, 510107, 510116, 510185], size=2000)
    ymd = (
        rng.integers(1940, 2024, size=2000) * 10000
        + rng.integers(1, 13, size=2000) * 100
        + rng.integers(1, 29, size=2000)
    )
    numbers = codes.citizen_id_numbers(area, ymd, rng.integers(0, 1000, size=2000)).to_pylist()
    assert all(n[17] == id_check_char(n[:17]) for n in numbers)


@pytest.mark.parametrize("scheme", [0, 1, 2])
def test_usccs_validate_and_both_check_characters_agree_with_the_kernel(scheme: int) -> None:
    index = np.arange(0, 50_000, 23, dtype=np.int64)
    body = codes.organisation_bodies(index, np.full(len(index), scheme), (12_345, 678, 9_999_999))
    category = np.where(index % 3 == 0, 2, 1)
    usccs = codes.usccs("9", category, np.full(len(index), 510107), body).to_pylist()
    assert len(set(usccs)) == len(usccs)
    for code in usccs:
        assert code[16] == org_code_check_char(code[8:16])
        assert code[17] == uscc_check_char(code[:17])
        validate_uscc(code)
    prefix = {0: None, 1: "L", 2: "MA"}[scheme]
    if prefix:
        assert all(code[8:].startswith(prefix) for code in usccs)
    else:
        assert all(code[8:16].isdigit() for code in usccs)


def test_organisation_codes_are_unique_across_schemes_and_chunks() -> None:
    index = np.arange(60_000, dtype=np.int64)
    scheme = index % 3
    body = codes.organisation_bodies(index, scheme, (1, 2, 3))
    joined = codes.rows_to_strings(np.array(list(USCC_CHARSET))[body]).to_pylist()
    assert len(set(joined)) == len(joined)


def test_sequence_counter_continues_per_key_across_calls() -> None:
    counter = codes.SequenceCounter()
    assert counter.take(np.array([5, 3, 5, 5, 3])).tolist() == [1, 1, 2, 3, 2]
    assert counter.take(np.array([3, 9, 5])).tolist() == [3, 1, 4]
    assert counter.take(np.array([], dtype=np.int64)).tolist() == []


def test_dense_sequence_refuses_rows_beyond_capacity() -> None:
    book = codes.DenseSequence(4, capacity=3)
    slot, fits = book.take(np.array([1, 1, 2, 1, 1]))
    assert slot.tolist() == [0, 1, 0, 2, 3]
    assert fits.tolist() == [True, True, True, True, False]
    slot, fits = book.take(np.array([1, 2]))
    assert fits.tolist() == [False, True]
    assert slot[1] == 1


def test_row_ids_start_where_told_and_never_repeat() -> None:
    ids = codes.RowIds({"t": 10})
    assert ids.take("t", 3).tolist() == [10, 11, 12]
    assert ids.take("t", 2).tolist() == [13, 14]
    assert ids.take("u", 1).tolist() == [1]
    assert ids.peek("t") == 15

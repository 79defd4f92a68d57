"""The pure hash-chain functions: canonical JSON, row content, hashing."""

import datetime as dt
import hashlib
import json

import pytest

from yiwang.sharing import chain

AT = dt.datetime(2026, 3, 7, 8, 9, 10, 123456, tzinfo=dt.UTC)


def _content(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "seq": 7,
        "at": AT,
        "actor_id": "console",
        "actor_department": "cityops",
        "actor_role": "platform",
        "subject_kind": "enterprise",
        "subject_code": "91510107MA6CAB1262",
        "source_department": "tax",
        "record_kind": "tax",
        "fields": ("year", "tax_paid"),
        "purpose": "一企一档查询",
        "legal_basis": "《政务数据共享管理办法》",
        "cross_department": True,
        "outcome": "granted",
    }
    base.update(changes)
    return chain.entry_content(**base)  # type: ignore[arg-type]


def test_canonical_json_is_sorted_compact_utf8() -> None:
    text = chain.canonical_json({"b": 1, "a": "税务", "c": [1, 2]})
    assert text == '{"a":"税务","b":1,"c":[1,2]}'.encode()


def test_timestamps_are_utc_with_microseconds() -> None:
    assert chain.canonical_timestamp(AT) == "2026-03-07T08:09:10.123456+00:00"
    whole_second = dt.datetime(2026, 3, 7, 16, 9, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert chain.canonical_timestamp(whole_second) == "2026-03-07T08:09:10.000000+00:00"


def test_hash_is_sha256_of_prev_hash_and_canonical_json() -> None:
    content = _content()
    expected = hashlib.sha256(chain.GENESIS_HASH.encode() + chain.canonical_json(content)).hexdigest()
    assert chain.entry_hash(chain.GENESIS_HASH, content) == expected
    assert len(expected) == 64
    assert chain.GENESIS_HASH == "0" * 64


def test_content_covers_every_field_but_the_hashes() -> None:
    assert set(_content()) == set(chain.CONTENT_FIELDS)
    assert "hash" not in chain.CONTENT_FIELDS
    assert "prev_hash" not in chain.CONTENT_FIELDS


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seq", 8),
        ("at", AT + dt.timedelta(microseconds=1)),
        ("actor_id", "someone"),
        ("actor_department", None),
        ("subject_code", "91510107MA6CAB1263"),
        ("source_department", "market"),
        ("fields", ("year",)),
        ("purpose", "其他用途"),
        ("legal_basis", "无"),
        ("cross_department", False),
        ("outcome", "unavailable"),
    ],
)
def test_any_change_changes_the_hash(field: str, value: object) -> None:
    original = chain.entry_hash(chain.GENESIS_HASH, _content())
    assert chain.entry_hash(chain.GENESIS_HASH, _content(**{field: value})) != original


def test_prev_hash_is_part_of_the_hash() -> None:
    content = _content()
    assert chain.entry_hash(chain.GENESIS_HASH, content) != chain.entry_hash("1" * 64, content)


def test_row_read_back_from_sqlite_or_postgresql_hashes_the_same() -> None:
    written = _content()
    naive_row = {**written, "at": AT.replace(tzinfo=None), "fields": ["year", "tax_paid"]}
    aware_row = {**written, "at": AT.astimezone(dt.timezone(dt.timedelta(hours=8)))}
    expected = chain.entry_hash(chain.GENESIS_HASH, written)
    assert chain.entry_hash(chain.GENESIS_HASH, chain.content_from_row(naive_row)) == expected
    assert chain.entry_hash(chain.GENESIS_HASH, chain.content_from_row(aware_row)) == expected


def test_corrupt_row_still_hashes_to_a_mismatch() -> None:
    row = {**_content(), "at": "not a timestamp"}
    content = chain.content_from_row(row)
    assert chain.entry_hash(chain.GENESIS_HASH, content) != chain.entry_hash(chain.GENESIS_HASH, _content())
    json.loads(chain.canonical_json(content))

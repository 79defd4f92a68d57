"""``write_city_parquet`` at a tiny scale: one file per table, schemas, metadata, counts, byte-identical reruns."""

from __future__ import annotations

import hashlib
import json

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from seed_helpers import AS_OF

from yiwang.kernel.errors import ValidationError
from yiwang.seed import services, tables

PERSONS = 3_000
ENTERPRISES = 1_500
CHUNK = 1_000  # several chunks per table, so ids and numbers must continue across them


def _write(out_dir, seed=4):
    return services.write_city_parquet(
        out_dir=out_dir,
        seed=seed,
        persons=PERSONS,
        enterprises=ENTERPRISES,
        chunk_size=CHUNK,
        progress=False,
        as_of=AS_OF,
    )


def _digests(out_dir) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(out_dir.iterdir())}


def test_city_files_have_the_registry_schemas_metadata_and_counts(tmp_path):
    out = tmp_path / "city"
    report = _write(out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] == "true"
    assert manifest["rows"] == report.counts
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{name}.parquet" for name in tables.SCHEMAS] + ["manifest.json"]
    )
    for name, schema in tables.SCHEMAS.items():
        data = pq.read_table(out / f"{name}.parquet")
        metadata = data.schema.metadata
        assert metadata[b"synthetic"] == b"true"
        assert metadata[b"seed"] == b"4"
        assert metadata[b"as_of"] == AS_OF.isoformat().encode()
        assert metadata[b"table"] == name.encode()
        assert data.schema.remove_metadata().equals(schema), name
        assert data.num_rows == report.counts[name] > 0, name
        assert pc.all(data.column("synthetic")).as_py() is True
        assert data.column("id").to_pylist() == list(range(1, data.num_rows + 1)), name
    assert report.counts[tables.PERSONS] == PERSONS
    assert report.counts[tables.ENTERPRISES] == ENTERPRISES
    persons = pq.read_table(out / f"{tables.PERSONS}.parquet")
    assert len(set(persons.column("id_number").to_pylist())) == PERSONS
    entities = pq.read_table(out / f"{tables.ENTERPRISES}.parquet")
    assert len(set(entities.column("uscc").to_pylist())) == ENTERPRISES
    # Person certificates are a demo-scale table; the city holds the enterprise qualifications only.
    certificates = pq.read_table(out / f"{tables.CERTIFICATES}.parquet")
    assert set(certificates.column("subject_kind").to_pylist()) == {"enterprise"}
    tax = pq.read_table(out / f"{tables.TAX}.parquet")
    assert set(tax.column("year").to_pylist()) == {2022, 2023, 2024}


def test_same_seed_writes_byte_identical_files_and_another_seed_does_not(tmp_path):
    _write(tmp_path / "a")
    _write(tmp_path / "b")
    _write(tmp_path / "c", seed=5)
    first, again, other = _digests(tmp_path / "a"), _digests(tmp_path / "b"), _digests(tmp_path / "c")
    assert first == again
    assert first[f"{tables.PERSONS}.parquet"] != other[f"{tables.PERSONS}.parquet"]
    assert first[f"{tables.ENTERPRISES}.parquet"] != other[f"{tables.ENTERPRISES}.parquet"]


def test_chunk_size_is_checked(tmp_path):
    with pytest.raises(ValidationError) as refused:
        services.write_city_parquet(out_dir=tmp_path, seed=1, persons=10, enterprises=0, chunk_size=10, progress=False)
    assert refused.value.field == "chunk_size"
    assert not any(tmp_path.iterdir())

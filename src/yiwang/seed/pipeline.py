"""The order in which the synthetic city is generated, chunk by chunk, as a stream of (table name, rows).

Persons come first (their adults form the pool of legal representatives), then market entities, each chunk of
entities followed by its department records. Only one chunk's rows are alive at a time, plus the pool of
representatives (thinned to ``POOL_TARGET`` people), so memory stays bounded at any scale. The stream is a pure
function of its arguments: same arguments, same tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from yiwang.kernel.errors import ValidationError
from yiwang.seed import codes, generators, records, tables

POOL_TARGET = 3_000_000
"""At most about this many adults are kept as candidate legal representatives (a few hundred MB at city scale)."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What to generate."""

    seed: int
    as_of: dt.date
    persons: int
    enterprises: int
    chunk_size: int
    person_certificates: bool  # 居民身份证/户口簿/驾驶证/行驶证 rows (demo scale)


def _chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(size, total - start)


def _merge(pools: list[generators.PersonPool]) -> generators.PersonPool:
    return generators.PersonPool(
        names=pa.concat_arrays([p.names for p in pools]),
        id_numbers=pa.concat_arrays([p.id_numbers for p in pools]),
        birth=np.concatenate([p.birth for p in pools]),
        surnames=pa.concat_arrays([p.surnames for p in pools]),
    )


def generate(plan: Plan, *, first_ids: dict[str, int] | None = None) -> Iterator[tuple[str, pa.Table]]:
    """Yield the city's tables chunk by chunk, persons first; ``first_ids`` continues ids of non-empty tables."""
    city = generators.build_city(plan.seed, plan.as_of)
    books = records.Books(ids=codes.RowIds(first_ids))
    sequences = generators.person_sequences(city)
    keep = min(1.0, POOL_TARGET / max(plan.persons, 1))
    pools: list[generators.PersonPool] = []
    for start, count in _chunks(plan.persons, plan.chunk_size):
        batch = generators.generate_persons(city, start=start, count=count, sequences=sequences)
        pools.append(generators.representative_pool(city, [batch], keep=keep))
        yield tables.PERSONS, batch.table
        if plan.person_certificates:
            yield tables.CERTIFICATES, generators.generate_certificates(city, batch, ids=books.ids)
    if plan.enterprises == 0:
        return
    pool = _merge(pools)
    del pools
    if len(pool) == 0:
        raise ValidationError("合成人口中没有可担任法定代表人的成年人（22–80 岁），请增加人口数", field="persons")
    for start, count in _chunks(plan.enterprises, plan.chunk_size):
        entities = generators.generate_enterprises(city, start=start, count=count, pool=pool)
        yield tables.ENTERPRISES, entities.table
        yield from records.generate_enterprise_records(city, entities, books).items()

"""``seed_demo`` into SQLite/PostgreSQL: every table filled with synthetic rows, refusals, exact reproduction."""

from __future__ import annotations

import collections
import datetime as dt
import json

import pyarrow as pa
import pytest
from seed_helpers import AS_OF
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from yiwang.db import as_utc
from yiwang.kernel.errors import ConflictError, ValidationError
from yiwang.models import metadata
from yiwang.seed import pipeline, services, tables

PERSONS = 2_000
ENTERPRISES = 1_000


def _seed(settings, *, seed: int = 3, replace: bool = False):
    return services.seed_demo(
        settings, seed=seed, persons=PERSONS, enterprises=ENTERPRISES, progress=False, replace=replace, as_of=AS_OF
    )


def _dump(session: Session) -> dict[str, list[tuple[object, ...]]]:
    session.expire_all()
    result = {}
    for name in tables.SCHEMAS:
        table = metadata.tables[name]
        result[name] = [tuple(row) for row in session.execute(select(table).order_by(table.c.id))]
    return result


def test_demo_seed_fills_every_table_with_synthetic_rows(settings, session):
    assert not services.is_seeded(settings)
    report = _seed(settings)
    assert services.is_seeded(settings)
    assert report.scale == "demo"
    assert report.seed == 3
    assert report.as_of == AS_OF
    for name in tables.SCHEMAS:
        table = metadata.tables[name]
        rows = session.scalar(select(func.count()).select_from(table))
        real = session.scalar(select(func.count()).select_from(table).where(table.c.synthetic.is_(False)))
        assert rows == report.counts[name] > 0, name
        assert real == 0, name
    assert report.counts[tables.PERSONS] == PERSONS
    assert report.counts[tables.ENTERPRISES] == ENTERPRISES
    owners = {row[0] for row in session.execute(text("SELECT DISTINCT owner_department FROM rec_penalty"))}
    assert {"market", "fire", "tax"} <= owners


def _normalise(row: dict[str, object]) -> dict[str, object]:
    """Values as the ORM holds them: aware UTC datetimes, JSON parsed."""
    out = dict(row)
    for key, value in row.items():
        if isinstance(value, dt.datetime):
            out[key] = as_utc(value)
        elif key == "details" and isinstance(value, str):
            out[key] = json.loads(value)
    return out


def test_database_rows_are_exactly_the_generated_rows(settings, session):
    _seed(settings)
    plan = pipeline.Plan(
        seed=3,
        as_of=AS_OF,
        persons=PERSONS,
        enterprises=ENTERPRISES,
        chunk_size=PERSONS,
        person_certificates=True,
    )
    generated: dict[str, list[pa.Table]] = collections.defaultdict(list)
    for name, data in pipeline.generate(plan):
        generated[name].append(data)
    for name in tables.SCHEMAS:
        table = metadata.tables[name]
        stored = [_normalise(dict(row._mapping)) for row in session.execute(select(table).order_by(table.c.id))]
        expected = [_normalise(row) for row in pa.concat_tables(generated[name]).to_pylist()]
        assert stored == expected, name


def test_second_seed_is_refused_and_replace_reproduces_the_same_rows(settings, session):
    _seed(settings)
    before = _dump(session)
    session.rollback()
    with pytest.raises(ConflictError) as refused:
        _seed(settings)
    assert "已有" in refused.value.message
    _seed(settings, replace=True)
    assert _dump(session) == before
    session.rollback()
    _seed(settings, seed=4, replace=True)
    after = _dump(session)
    assert after[tables.PERSONS] != before[tables.PERSONS]
    assert after[tables.ENTERPRISES] != before[tables.ENTERPRISES]


def test_replace_never_touches_real_data(settings, session):
    person = metadata.tables[tables.PERSONS]
    session.execute(
        insert(person).values(
            id_number="510107199003071236",
            name="张真实",
            sex="男",
            birth_date=AS_OF.replace(year=1990, month=3, day=7),
            household_address="成都市武侯区玉林街道芳草街1号",
            household_district_code="510107",
            synthetic=False,
        )
    )
    session.commit()
    assert services.is_seeded(settings)
    with pytest.raises(ConflictError) as refused:
        _seed(settings, replace=True)
    assert "不是合成数据" in refused.value.message
    assert session.scalar(select(func.count()).select_from(person)) == 1


def test_new_rows_get_fresh_ids_after_seeding(settings, session):
    report = _seed(settings)
    licence = metadata.tables[tables.LICENCES]
    new_id = session.execute(
        insert(licence)
        .values(
            owner_department="market",
            subject_kind="enterprise",
            subject_code="91510107MA6CAB1262",
            source_system="test",
            recorded_at=func.now(),
            synthetic=False,
            licence_type="食品经营许可证",
            licence_number="JY-NEW",
            issuing_authority="成都市武侯区市场监督管理局",
            issued_on=AS_OF,
            valid_from=AS_OF,
            status="有效",
            content="",
        )
        .returning(licence.c.id)
    ).scalar_one()
    session.commit()
    assert new_id == report.counts[tables.LICENCES] + 1


def test_sizes_and_seed_are_checked(settings):
    with pytest.raises(ValidationError) as bad_seed:
        services.seed_demo(settings, seed=-1, persons=10, enterprises=1, progress=False)
    assert bad_seed.value.field == "seed"
    with pytest.raises(ValidationError) as bad_persons:
        services.seed_demo(settings, seed=1, persons=0, enterprises=1, progress=False)
    assert bad_persons.value.field == "persons"
    assert not services.is_seeded(settings)

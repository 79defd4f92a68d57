"""Use cases of the synthetic city: seed the demo database, tell whether it is seeded, write the city as Parquet.

The data is a pure function of (seed, as_of, counts, chunk size): ``as_of`` is the city's "today" (ages,
licence validity, the last three tax years, the last twelve insurance months), by default today's date in
Chengdu. Every generated row has ``synthetic = true`` and every Parquet file carries ``synthetic`` metadata.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory, redact_url
from yiwang.geo import services as geo_services
from yiwang.kernel.errors import ConflictError, ValidationError
from yiwang.logs import get_logger
from yiwang.registry import services as registry_services
from yiwang.seed import bulk, pipeline, tables
from yiwang.seed.schemas import SeedReport

__all__ = ["SeedReport", "city_today", "is_seeded", "seed_demo", "write_city_parquet"]

CITY_TZ = ZoneInfo("Asia/Shanghai")
MAX_PERSONS = 100_000_000
MAX_ENTERPRISES = 10_000_000  # organisation codes of converted individual businesses have 7 digits
MIN_CHUNK = 1_000
DEMO_CHUNK = 500_000
"""Persons/entities generated and loaded at a time by ``seed_demo`` (the default demo is one chunk)."""
PARQUET_COMPRESSION = "zstd"
MANIFEST = "manifest.json"

log = get_logger("yiwang.seed")


def city_today() -> dt.date:
    """Today's date in Chengdu, the default reference date of the synthetic city."""
    return dt.datetime.now(CITY_TZ).date()


def _check_sizes(*, seed: int, persons: int, enterprises: int) -> None:
    if seed < 0:
        raise ValidationError(f"随机种子必须是非负整数，实际为 {seed}", field="seed")
    if not 1 <= persons <= MAX_PERSONS:
        raise ValidationError(f"人口数应在 1 到 {MAX_PERSONS:,} 之间，实际为 {persons:,}", field="persons")
    if not 0 <= enterprises <= MAX_ENTERPRISES:
        raise ValidationError(
            f"市场主体数应在 0 到 {MAX_ENTERPRISES:,} 之间，实际为 {enterprises:,}", field="enterprises"
        )


@contextmanager
def _progress(*, enabled: bool) -> Iterator[Progress]:
    """A progress display on stderr (stdout stays clean for JSON-printing callers); silent when disabled."""
    display = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not enabled,
    )
    with display:
        yield display


# --------------------------------------------------------------------------------------------- demo scale


def _count(session: Session, name: str, *, synthetic: bool | None = None) -> int:
    target = bulk.db_table(name)
    query = select(func.count()).select_from(target)
    if synthetic is not None:
        query = query.where(target.c.synthetic.is_(synthetic))
    return int(session.scalar(query) or 0)


def _make_room(session: Session, *, replace: bool) -> None:
    """Refuse to seed over existing persons/entities unless ``replace``; then drop only synthetic rows."""
    persons = _count(session, tables.PERSONS)
    entities = _count(session, tables.ENTERPRISES)
    if persons == 0 and entities == 0:
        return
    if not replace:
        raise ConflictError(
            f"数据库中已有 {persons:,} 名自然人和 {entities:,} 个市场主体，不重复生成；"
            "如需重新生成合成数据，请使用 replace（只删除合成数据）",
            field="replace",
        )
    real_persons = _count(session, tables.PERSONS, synthetic=False)
    real_entities = _count(session, tables.ENTERPRISES, synthetic=False)
    if real_persons or real_entities:
        raise ConflictError(
            f"数据库中有 {real_persons:,} 名自然人和 {real_entities:,} 个市场主体不是合成数据，"
            "不能在真实数据上生成合成城市",
            field="replace",
        )
    for name in reversed(tables.SCHEMAS):  # records before the persons and entities they name
        target = bulk.db_table(name)
        session.execute(delete(target).where(target.c.synthetic.is_(True)))


def seed_demo(
    settings: Settings,
    *,
    seed: int,
    persons: int = 50_000,
    enterprises: int = 10_000,
    progress: bool = True,
    replace: bool = False,
    as_of: dt.date | None = None,
) -> SeedReport:
    """Load geo master data and departments, then the synthetic city, into the configured database.

    The master-data loaders commit on their own (they are idempotent); the city itself is loaded in one
    transaction, so afterwards either all of it is there or nothing changed. Refuses (ConflictError) when
    persons or entities exist, unless ``replace`` — which deletes earlier synthetic rows, never real ones.
    Generation streams in chunks of ``DEMO_CHUNK``, so larger "demo" cities fit in memory too.
    """
    _check_sizes(seed=seed, persons=persons, enterprises=enterprises)
    as_of = as_of or city_today()
    started = time.perf_counter()
    counts = dict.fromkeys(tables.SCHEMAS, 0)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session, _progress(enabled=progress) as display:
            setup = display.add_task("加载行政区划和部门目录", total=None)
            geo_services.load_master_data(session, settings=settings)
            registry_services.load_departments(session)
            _make_room(session, replace=replace)
            display.update(setup, total=1, completed=1)
            tasks = {
                tables.PERSONS: display.add_task("自然人", total=persons),
                tables.ENTERPRISES: display.add_task("市场主体", total=enterprises),
            }
            other = display.add_task("部门记录和证照（行）", total=None)
            plan = pipeline.Plan(
                seed=seed,
                as_of=as_of,
                persons=persons,
                enterprises=enterprises,
                chunk_size=DEMO_CHUNK,
                person_certificates=True,
            )
            for name, data in pipeline.generate(plan, first_ids=bulk.next_ids(session)):
                task = tasks.get(name, other)
                counts[name] += bulk.load(session, name, data, on_rows=partial(display.advance, task))
            bulk.finish(session)
            session.commit()
    finally:
        engine.dispose()
    report = SeedReport(
        scale="demo",
        seed=seed,
        as_of=as_of,
        counts=counts,
        seconds=time.perf_counter() - started,
        target=redact_url(settings.database_url),
    )
    log.info("seed_demo_done", seed=seed, rows=report.total_rows, seconds=round(report.seconds, 2))
    return report


def is_seeded(settings: Settings) -> bool:
    """Whether the register already holds persons or market entities (so ``seed_demo`` would refuse)."""
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            return any(
                session.scalar(select(bulk.db_table(name).c.id).limit(1)) is not None
                for name in (tables.PERSONS, tables.ENTERPRISES)
            )
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------------- city scale


def _schema(name: str, metadata: dict[str, str]) -> pa.Schema:
    return tables.SCHEMAS[name].with_metadata({**metadata, "table": name})


def write_city_parquet(
    *,
    out_dir: Path,
    seed: int,
    persons: int = 21_000_000,
    enterprises: int = 4_000_000,
    chunk_size: int = 500_000,
    progress: bool = True,
    as_of: dt.date | None = None,
) -> SeedReport:
    """Stream the city into one Parquet file per registry table under ``out_dir`` (plus ``manifest.json``).

    Chunks of ``chunk_size`` persons/entities are generated and appended one at a time, so memory stays
    bounded; files are written under a temporary name and renamed when complete.
    """
    _check_sizes(seed=seed, persons=persons, enterprises=enterprises)
    if chunk_size < MIN_CHUNK:
        raise ValidationError(f"分块大小至少为 {MIN_CHUNK:,} 行，实际为 {chunk_size:,}", field="chunk_size")
    as_of = as_of or city_today()
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    metadata = {
        "synthetic": "true",
        "generator": "yiwang.seed",
        "scale": "city",
        "seed": str(seed),
        "as_of": as_of.isoformat(),
        "persons": str(persons),
        "enterprises": str(enterprises),
        "chunk_size": str(chunk_size),
    }
    counts = dict.fromkeys(tables.SCHEMAS, 0)
    unfinished = {name: out_dir / f"{name}.parquet.partial" for name in tables.SCHEMAS}
    writers = {
        name: pq.ParquetWriter(unfinished[name], _schema(name, metadata), compression=PARQUET_COMPRESSION)
        for name in tables.SCHEMAS
    }
    plan = pipeline.Plan(
        seed=seed,
        as_of=as_of,
        persons=persons,
        enterprises=enterprises,
        chunk_size=chunk_size,
        person_certificates=False,
    )
    completed = False
    try:
        with _progress(enabled=progress) as display:
            person_task = display.add_task("自然人", total=persons)
            entity_task = display.add_task("市场主体及部门记录", total=enterprises)
            for name, data in pipeline.generate(plan):
                writers[name].write_table(data.replace_schema_metadata(writers[name].schema.metadata))
                counts[name] += data.num_rows
                if name == tables.PERSONS:
                    display.advance(person_task, data.num_rows)
                elif name == tables.ENTERPRISES:
                    display.advance(entity_task, data.num_rows)
        completed = True
    finally:
        for writer in writers.values():
            writer.close()
        if not completed:  # never leave half-written files behind
            for path in unfinished.values():
                path.unlink(missing_ok=True)
    for name, path in unfinished.items():
        path.replace(out_dir / f"{name}.parquet")
    manifest = {**metadata, "files": {name: f"{name}.parquet" for name in tables.SCHEMAS}, "rows": counts}
    (out_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    report = SeedReport(
        scale="city", seed=seed, as_of=as_of, counts=counts, seconds=time.perf_counter() - started, target=str(out_dir)
    )
    log.info("write_city_parquet_done", seed=seed, rows=report.total_rows, seconds=round(report.seconds, 2))
    return report

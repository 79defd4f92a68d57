"""Bulk loading of generated Arrow tables into the registry tables: ``COPY`` on PostgreSQL, executemany elsewhere.

The seed writes the registry's tables as a data contract (the same column names as the Parquet files), so it
addresses them by name through the shared metadata rather than through another context's ORM classes.
On PostgreSQL the rows are rendered to CSV by Arrow (C++) and streamed with ``COPY … FROM STDIN`` inside the
session's transaction — about ten times faster than multi-row ``INSERT``; Arrow's CSV quoting matches
PostgreSQL's (quoted ``""`` is an empty string, an unquoted empty field is NULL). On SQLite the rows go through
one Core executemany per batch with values Arrow has already converted to what SQLAlchemy's SQLite types store
(dates as ``YYYY-MM-DD``, timestamps as ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC, money as REAL, booleans as 0/1,
JSON as text): per-value Python bind processing was most of the load time, and the stored values are the
same, so the ORM reads them back unchanged (tested).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from yiwang.models import metadata
from yiwang.seed import tables

BATCH_ROWS = 20_000
"""Rows per executemany call or COPY block: big enough to amortise overhead, small enough for smooth progress."""

Progress = Callable[[int], None]


def db_table(name: str) -> Table:
    """The registry table ``name`` from the shared metadata."""
    return metadata.tables[name]


def is_postgres(session: Session) -> bool:
    """Whether the session talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def _batches(data: pa.Table, size: int) -> Iterator[pa.Table]:
    for offset in range(0, data.num_rows, size):
        yield data.slice(offset, size)


def _copy(session: Session, name: str, data: pa.Table, on_rows: Progress | None) -> None:
    columns = ", ".join(f'"{column}"' for column in data.column_names)
    driver = session.connection().connection.driver_connection
    if driver is None:  # pragma: no cover - a live session always has its DBAPI connection
        msg = "no DBAPI connection"
        raise RuntimeError(msg)
    options = pa_csv.WriteOptions(include_header=False, batch_size=4096)
    with driver.cursor() as cursor, cursor.copy(f'COPY "{name}" ({columns}) FROM STDIN WITH (FORMAT csv)') as copy:
        for batch in _batches(data, BATCH_ROWS):
            buffer = io.BytesIO()
            pa_csv.write_csv(batch, buffer, options)
            copy.write(buffer.getvalue())
            if on_rows is not None:
                on_rows(batch.num_rows)


def _sqlite_values(column: pa.ChunkedArray) -> list[object]:
    """A column as the Python values SQLAlchemy's SQLite types would bind for it."""
    type_ = column.type
    if pa.types.is_date(type_):
        column = pc.cast(column, pa.string())
    elif pa.types.is_timestamp(type_):
        column = pc.strftime(column, format="%Y-%m-%d %H:%M:%S")  # %S carries the microseconds
    elif pa.types.is_decimal(type_):
        column = pc.cast(column, pa.float64())
    elif pa.types.is_boolean(type_):
        column = pc.cast(column, pa.int8())
    values: list[object] = column.to_pylist()
    return values


def _executemany(session: Session, name: str, data: pa.Table, on_rows: Progress | None) -> None:
    columns = ", ".join(f'"{column}"' for column in data.column_names)
    marks = ", ".join("?" for _ in data.column_names)
    statement = f'INSERT INTO "{name}" ({columns}) VALUES ({marks})'  # noqa: S608 - names from tables.SCHEMAS
    connection = session.connection()
    for batch in _batches(data, BATCH_ROWS):
        values = [_sqlite_values(batch.column(column)) for column in batch.column_names]
        connection.exec_driver_sql(statement, list(zip(*values, strict=True)))
        if on_rows is not None:
            on_rows(batch.num_rows)


def load(session: Session, name: str, data: pa.Table, *, on_rows: Progress | None = None) -> int:
    """Append ``data`` to table ``name`` in the session's transaction; return the number of rows."""
    if data.num_rows == 0:
        return 0
    if is_postgres(session):
        _copy(session, name, data, on_rows)
    else:
        _executemany(session, name, data, on_rows)
    return int(data.num_rows)


def next_ids(session: Session) -> dict[str, int]:
    """For each generated table the first free primary key (1 on an empty table)."""
    result = {}
    for name in tables.SCHEMAS:
        target = db_table(name)
        result[name] = int(session.scalar(select(func.coalesce(func.max(target.c.id), 0))) or 0) + 1
    return result


def finish(session: Session) -> None:
    """After explicit-id loads on PostgreSQL: move id sequences past the rows and refresh planner statistics."""
    if not is_postgres(session):
        return
    for name in tables.SCHEMAS:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 - names are our own constants
                f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{name}"), false)'
            )
        )
        session.execute(text(f'ANALYZE "{name}"'))

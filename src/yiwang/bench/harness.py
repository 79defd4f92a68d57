"""Benchmark plumbing: a scratch database on the configured backend and a live HTTP server on loopback."""

from __future__ import annotations

import math
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from yiwang import migrations
from yiwang.app import create_app
from yiwang.config import Settings


@contextmanager
def scratch_database(settings: Settings) -> Iterator[Settings]:
    """A fresh, migrated database of the configured kind (SQLite file or PostgreSQL database), dropped after."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "postgresql":
        name = f"yiwang_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        scratch = settings.model_copy(
            update={"database_url": url.set(database=name).render_as_string(hide_password=False)}
        )
        try:
            migrations.upgrade(scratch.database_url)
            yield scratch
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        with tempfile.TemporaryDirectory(prefix="yiwang-bench-") as tmp:
            scratch = settings.model_copy(update={"database_url": f"sqlite:///{Path(tmp) / 'bench.db'}"})
            migrations.upgrade(scratch.database_url)
            yield scratch


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def live_server(settings: Settings) -> Iterator[str]:
    """Serve ``create_app(settings)`` with uvicorn in a thread on loopback; yields the base URL."""
    port = free_port()
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == httpx.codes.OK:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        server.should_exit = True
        raise RuntimeError("基准测试服务未能在 30 秒内启动")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of a non-empty list.

    Examples:
        >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
        2.0
    """
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def bearer_token(settings: Settings, *, username: str, role: str, department_code: str | None) -> str:
    """Open a benchmark account with the given role and return a bearer token for it (the API needs a login)."""
    from yiwang.db import make_engine, make_session_factory, transaction  # noqa: PLC0415
    from yiwang.identity import services as identity_services  # noqa: PLC0415
    from yiwang.identity.schemas import AccountCreate  # noqa: PLC0415
    from yiwang.identity.scopes import Role  # noqa: PLC0415
    from yiwang.kernel.actor import SYSTEM_ACTOR  # noqa: PLC0415
    from yiwang.registry import services as registry_services  # noqa: PLC0415

    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            registry_services.load_departments(session)  # accounts name their department from the directory
        with transaction(make_session_factory(engine)) as session:
            identity_services.create_account(
                session,
                actor=SYSTEM_ACTOR,
                data=AccountCreate(
                    username=username, display_name=username, role=Role(role), department_code=department_code
                ),
            )
        with transaction(make_session_factory(engine)) as session:
            issued = identity_services.create_api_token(
                session, actor=SYSTEM_ACTOR, username=username, name="benchmark"
            )
        return issued.access_token
    finally:
        engine.dispose()

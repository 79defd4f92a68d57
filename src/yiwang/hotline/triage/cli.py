"""``yiwang hotline triage`` / ``retrain`` / ``prune-models``: triage stdin, retrain, delete old model versions."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory, redact_url
from yiwang.kernel.errors import YiwangError

if TYPE_CHECKING:
    from yiwang.hotline.triage.services import PruneReport

MODEL_TABLE = "hotline_triage_model"
CITY_TZ = ZoneInfo("Asia/Shanghai")


@contextmanager
def _optional_session(settings: Settings) -> Iterator[Session | None]:
    """A session on the configured database when it exists and is migrated; otherwise None (seed model)."""
    url = make_url(settings.database_url)
    on_disk = url.get_backend_name() == "sqlite" and url.database not in {None, "", ":memory:"}
    if on_disk and not Path(url.database or "").exists():  # connecting would create an empty file
        yield None
        return
    engine = make_engine(settings.database_url)
    try:
        try:
            migrated = inspect(engine).has_table(MODEL_TABLE)
        except SQLAlchemyError:
            migrated = False
        if not migrated:
            yield None
            return
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _number(row: dict[str, Any], name: str) -> float | None:
    value = row.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{name} 应为数字"
        raise TypeError(msg)
    return float(value)


def _triage_line(session: Session | None, line: str) -> dict[str, Any]:  # noqa: PLR0911 - one error a line
    from yiwang.hotline.triage import services  # noqa: PLC0415 - scikit-learn loads only when the command runs

    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        return {"error": f"不是合法的 JSON：{error.msg}（第 {error.colno} 列）"}
    if not isinstance(row, dict):
        return {"error": '每行应为一个 JSON 对象，例如 {"text": "…"}'}
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        return {"error": "缺少诉求内容 text（非空字符串）"}
    address = row.get("address")
    if address is not None and not isinstance(address, str):
        return {"error": "address 应为字符串"}
    try:
        result = services.triage(session, text, lon=_number(row, "lon"), lat=_number(row, "lat"), address=address)
    except TypeError as error:
        return {"error": str(error)}
    except YiwangError as error:
        return {"error": error.message, "field": error.field}
    out = services.to_read(result).model_dump()
    if "id" in row:
        out = {"id": row["id"], **out}
    return out


def triage(
    database: bool = typer.Option(True, "--database/--no-database", help="使用数据库中的当前模型版本与地理数据"),
) -> None:
    """从标准输入读取 JSON Lines（{"text": ...}），每行输出一条分拨结果 JSON。"""
    settings = Settings()
    with _optional_session(settings) if database else _none() as session:
        where = redact_url(settings.database_url) if session is not None else "内置种子模型（未使用数据库）"
        typer.echo(f"分拨模型来源：{where}", err=True)
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                out = _triage_line(session, line)
            except SQLAlchemyError as error:  # the database went away mid-stream: say so on this line, go on
                if session is not None:
                    session.rollback()
                out = {"error": f"数据库错误：{type(error).__name__}"}
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
            sys.stdout.flush()


@contextmanager
def _none() -> Iterator[None]:
    yield None


def retrain() -> None:
    """用种子语料和话务员纠错记录重新训练分拨模型。"""
    from yiwang.hotline.triage import services  # noqa: PLC0415

    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            version, report = services.retrain_and_prune(session)
    except YiwangError as error:
        typer.echo(f"训练失败：{error.message}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    metrics = "，".join(f"{key}={value}" for key, value in version.metrics.items())
    counts = f"种子 {version.seed_examples} 条，纠错 {version.corrections} 条"
    typer.echo(f"已训练分拨模型版本 {version.version}（{counts}）：{metrics}")
    if report.pruned:
        _echo_pruned(report)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _echo_pruned(report: PruneReport) -> None:
    verb = "将删除" if report.dry_run else "已删除"
    for version in report.pruned:
        trained_at = version.trained_at
        if trained_at.tzinfo is None:  # SQLite returns the stored UTC time without its zone
            trained_at = trained_at.replace(tzinfo=dt.UTC)
        trained = trained_at.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M")
        typer.echo(f"{verb}模型版本 {version.version}（训练于 {trained}，{_megabytes(version.size_bytes)}）")
    typer.echo(
        f"保留最近 {report.keep} 个版本及当前使用的版本：保留 {len(report.kept)} 个，"
        f"{verb} {len(report.pruned)} 个，共 {_megabytes(report.freed_bytes)}"
    )


def prune_models(
    keep: int | None = typer.Option(
        None,
        "--keep",
        min=1,
        help="保留最近的版本数（默认 YIWANG_TRIAGE_KEEP_VERSIONS，未设置时为 5）；当前使用的版本始终保留",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="只列出将删除的版本，不删除"),
) -> None:
    """按保留规则删除旧的分拨模型版本：保留当前使用的版本和最近 N 个版本。"""
    from yiwang.hotline.triage import services  # noqa: PLC0415

    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            report = services.prune_model_versions(session, keep=keep, dry_run=dry_run)
    except YiwangError as error:
        typer.echo(f"清理失败：{error.message}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    if not report.pruned:
        typer.echo(f"无需清理：共 {len(report.kept)} 个模型版本，保留最近 {report.keep} 个及当前使用的版本")
        return
    _echo_pruned(report)

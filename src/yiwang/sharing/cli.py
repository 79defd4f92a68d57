"""`yiwang audit …` commands: verify the hash chain, list and switch department data sources."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session

from yiwang.config import Settings
from yiwang.db import as_utc, make_engine, make_session_factory
from yiwang.kernel.actor import SYSTEM_ACTOR
from yiwang.kernel.errors import ValidationError
from yiwang.sharing import services

app = typer.Typer(help="数据共享审计：校验哈希链、部门数据源状态。", no_args_is_help=True)
console = Console()


@contextmanager
def _session() -> Iterator[Session]:
    engine = make_engine(Settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


@app.command("verify")
def verify(
    batch_size: int = typer.Option(5000, min=1, help="每批读取的记录数"),
) -> None:
    """逐条校验审计日志哈希链：完整时退出码 0，发现篡改或删除时打印原因并退出码 1。"""
    with (
        _session() as session,
        Progress(
            TextColumn("校验审计哈希链"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("verify", total=None)
        result = services.verify_chain(
            session,
            batch_size=batch_size,
            progress=lambda checked, total: progress.update(task, completed=checked, total=total),
        )
    if result.ok:
        print(f"审计日志完整：共 {result.checked} 条")
        return
    print(result.reason)
    raise typer.Exit(code=1)


@app.command("sources")
def sources() -> None:
    """列出各部门数据源的可用状态。"""
    with _session() as session:
        rows = services.list_sources(session)
    table = Table(title="部门数据源状态")
    for column in ("部门代码", "部门", "状态", "原因", "变更时间 UTC", "变更人"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.department_code,
            row.department_name or "",
            "可用" if row.available else "[red]不可用[/red]",
            row.reason,
            f"{as_utc(row.changed_at):%Y-%m-%d %H:%M}" if row.changed_at else "",
            row.changed_by or "",
        )
    console.print(table)


@app.command("source")
def source(
    department: str = typer.Argument(..., help="部门代码，例如 tax"),
    available: bool = typer.Option(..., "--available/--unavailable", help="标记为可用或不可用"),
    reason: str = typer.Option("", "--reason", help="不可用原因，例如：系统升级维护"),
) -> None:
    """把某部门数据源标记为可用或不可用。"""
    try:
        with _session() as session:
            row = services.set_source_status(
                session, actor=SYSTEM_ACTOR, department_code=department, available=available, reason=reason
            )
    except ValidationError as error:
        print(f"错误：{error.message}")
        raise typer.Exit(code=2) from None
    state = "可用" if row.available else f"不可用（{row.reason}）" if row.reason else "不可用"
    print(f"部门 {row.department_code} 数据源已标记为{state}")

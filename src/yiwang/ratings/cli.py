"""`yiwang ratings …` commands: statistics table and the overdue-rectification sweep."""

from __future__ import annotations

import datetime as dt

import typer
from rich.console import Console
from rich.table import Table

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.kernel.errors import YiwangError
from yiwang.ratings import services, tasks

app = typer.Typer(help="好差评：统计、差评整改超期督办。", no_args_is_help=True)
console = Console()


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@app.command("stats")
def stats(
    by: str = typer.Option("department", help="统计维度：department（部门）或 unit（服务单位）"),
    department: str | None = typer.Option(None, help="只统计该部门（按服务单位统计时常用）"),
    date_from: str | None = typer.Option(None, "--from", help="开始日期 YYYY-MM-DD（含）"),
    date_to: str | None = typer.Option(None, "--to", help="结束日期 YYYY-MM-DD（含）"),
    channel: str | None = typer.Option(None, help="online（线上）或 offline（线下）"),
) -> None:
    """按部门或服务单位统计评价数、好评率、差评率、差评整改率、按期整改率（申诉成立的评价不计入）。"""
    engine = make_engine(Settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            result = services.statistics(
                session,
                by=by,
                department_code=department,
                date_from=dt.date.fromisoformat(date_from) if date_from else None,
                date_to=dt.date.fromisoformat(date_to) if date_to else None,
                channel=channel,
            )
    except (YiwangError, ValueError) as error:
        print(getattr(error, "message", str(error)))
        raise typer.Exit(code=2) from error
    finally:
        engine.dispose()
    table = Table(title="好差评统计（部门）" if by == "department" else "好差评统计（服务单位）")
    for column in (
        "代码",
        "名称",
        "评价数",
        "好评率",
        "差评数",
        "差评率",
        "整改率",
        "按期整改率",
        "平均分",
        "申诉剔除",
    ):
        table.add_column(column)
    for row in [*result.rows, result.total]:
        table.add_row(
            row.code,
            row.name or "",
            str(row.count),
            _percent(row.good_rate),
            str(row.bad),
            _percent(row.bad_rate),
            _percent(row.rectification_rate),
            _percent(row.on_time_rate),
            "—" if row.average_score is None else f"{row.average_score:.2f}",
            str(row.excluded),
        )
    console.print(table)


@app.command("overdue")
def overdue() -> None:
    """对超过 15 个工作日仍未整改的差评发送超期督办通知（每条只发一次）。"""
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        count = tasks.flag_overdue_rectifications(make_session_factory(engine), settings=settings)
    finally:
        engine.dispose()
    print(f"超期督办通知已入队 {count} 条")

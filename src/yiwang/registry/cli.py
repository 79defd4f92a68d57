"""`yiwang registry …` commands: load the department directory, list departments, import department files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory, transaction
from yiwang.kernel.errors import YiwangError
from yiwang.registry import services
from yiwang.registry.kinds import KINDS, RECORD_KINDS

app = typer.Typer(help="数据底座：部门目录、基础数据与部门数据导入。", no_args_is_help=True)


def _console() -> Console:
    # Built per command so the terminal width (COLUMNS) is read when the command runs.
    return Console()


@app.command("load-departments")
def load_departments() -> None:
    """从 departments.yaml 加载（更新）部门目录。"""
    engine = make_engine(Settings().database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            count = services.load_departments(session)
    finally:
        engine.dispose()
    _console().print(f"已加载部门目录：{count} 个部门 / departments loaded")


@app.command("departments")
def departments() -> None:
    """列出部门、职责和各类记录数。"""
    engine = make_engine(Settings().database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            rows = services.list_departments(session)
    finally:
        engine.dispose()
    if not rows:
        _console().print("部门目录为空，请先运行：yiwang registry load-departments")
        raise typer.Exit(code=1)
    table = Table(title="部门目录", show_lines=False)
    for header in ("代码", "简称", "类别", "职责", "记录数"):
        table.add_column(header, justify="right" if header == "记录数" else "left")
    for department in rows:
        table.add_row(
            department.code,
            department.short_name,
            "公共服务企业" if department.kind == "utility" else "政府部门",
            "、".join(department.duties[:6]) + ("…" if len(department.duties) > 6 else ""),  # noqa: PLR2004
            f"{department.total_records:,}",
        )
    _console().print(table)


@app.command("import")
def import_file(
    kind: Annotated[str, typer.Argument(help=f"数据类别：{'、'.join(KINDS)}")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV 或 .xlsx 文件")],
    *,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验，不写入")] = False,
    department: Annotated[str | None, typer.Option("--department", help="数据来源部门代码，如 market")] = None,
) -> None:
    """导入部门数据文件：逐行校验，全部合格才一次性写入；有错误时列出并以退出码 1 结束。"""
    engine = make_engine(Settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            report = services.import_records(
                session, kind=kind, data=file, filename=file.name, owner_department=department, dry_run=dry_run
            )
    except YiwangError as exc:
        _console().print(f"[red]无法导入：{exc.message}[/red]")
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    kind_name = KINDS[kind].name
    if report.errors:
        table = Table(title=f"{kind_name}导入校验：{report.error_count} 处错误（未写入任何数据）")
        table.add_column("行号", justify="right")
        table.add_column("列")
        table.add_column("值", overflow="fold")
        table.add_column("问题", overflow="fold")
        for error in report.errors:
            table.add_row(str(error.row), error.column, error.value or "（空）", error.message)
        _console().print(table)
        if report.errors_truncated:
            _console().print(f"仅显示前 {len(report.errors)} 处错误。")
        raise typer.Exit(code=1)
    if report.ignored_columns:
        _console().print(f"未导入的列：{'、'.join(report.ignored_columns)}")
    if report.dry_run:
        _console().print(f"{kind_name}：全部 {report.total_rows} 行校验通过（--dry-run，未写入）")
    else:
        _console().print(f"{kind_name}：全部 {report.total_rows} 行校验通过，已写入 {report.inserted} 条")


@app.command("kinds")
def kinds() -> None:
    """列出可导入的数据类别及必填表头。"""
    table = Table(title="可导入的数据类别")
    table.add_column("类别")
    table.add_column("名称")
    table.add_column("必填列", overflow="fold")
    for kind, spec in KINDS.items():
        marker = "" if kind in RECORD_KINDS else "（基础数据）"
        table.add_row(kind, spec.name + marker, "、".join(column.label for column in spec.required_columns()))
    _console().print(table)

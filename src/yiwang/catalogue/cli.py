"""`yiwang catalogue …` commands: load the shipped (or a given) catalogue, list, show one item, validate a directory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from yiwang.catalogue import services
from yiwang.catalogue.schemas import ItemOut
from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.kernel.actor import SYSTEM_ACTOR
from yiwang.kernel.errors import YiwangError

app = typer.Typer(help="事项目录：载入、列表、查看、校验。", no_args_is_help=True)
console = Console()


@contextmanager
def _session() -> Iterator[Session]:
    engine = make_engine(Settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    except services.CatalogueValidationError as error:
        for problem in error.errors:
            console.print(f"[red]✗[/red] {problem.field}：{problem.message}", highlight=False)
        console.print(f"共 {len(error.errors)} 处问题，未写入任何数据。")
        raise typer.Exit(code=1) from error
    except YiwangError as error:
        console.print(f"[red]{error.message}[/red]", highlight=False)
        raise typer.Exit(code=2) from error
    finally:
        engine.dispose()


@app.command("load")
def load(
    source_dir: Path | None = typer.Argument(None, help="目录（含 items/*.yaml 与 bundles.yaml）；默认为内置目录"),
) -> None:
    """载入事项与一件事（全部校验通过才写入；内容未变的不产生新版本）。"""
    with _session() as session:
        report = services.load_catalogue(session, actor=SYSTEM_ACTOR, source_dir=source_dir)
    console.print(
        f"事项：新版本 {len(report.items_published)} 个，未变 {report.items_unchanged} 个；"
        f"一件事：新版本 {len(report.bundles_published)} 个，未变 {report.bundles_unchanged} 个"
    )


@app.command("validate")
def validate(source_dir: Path = typer.Argument(..., help="要校验的目录（含 items/*.yaml 与 bundles.yaml）")) -> None:
    """只校验，不写入；有问题时逐条列出字段与中文说明并以退出码 1 结束。"""
    with _session() as session:
        items, bundles = services.validate_directory(session, source_dir)
    console.print(f"[green]✓[/green] 校验通过：{items} 个事项、{bundles} 个一件事")


@app.command("list")
def list_items(
    q: str | None = typer.Option(None, help="关键词"),
    department: str | None = typer.Option(None, help="部门代码，如 market"),
    page: int = typer.Option(1, min=1),
    page_size: int = typer.Option(50, min=1, max=200),
) -> None:
    """列出事项（当前版本）。"""
    with _session() as session:
        result = services.list_items(session, q=q, department=department, page=page, page_size=page_size)
    table = Table(title=f"事项目录（共 {result.total} 个，第 {result.page}/{result.pages} 页）")
    for column in ("编码", "名称", "部门", "类型", "办件类型", "承诺时限", "免提交材料", "版本"):
        table.add_column(column)
    for item in result.items:
        table.add_row(
            item.code,
            item.name + ("（秒批）" if item.instant else ""),
            item.department_name,
            item.item_type,
            item.handling_label,
            f"{item.promised_days} 个工作日",
            f"{item.materials_waived}/{item.materials_total}",
            str(item.version),
        )
    console.print(table)


@app.command("show")
def show(
    code: str = typer.Argument(..., help="事项或一件事编码"),
    as_json: bool = typer.Option(False, "--json", help="输出完整 JSON"),
) -> None:
    """显示一个事项或一件事（办事指南要素、材料及免提交原因）。"""
    with _session() as session:
        found = services.get_bundle(session, code) if code.startswith("yjs-") else services.get_item(session, code)
    if as_json:
        typer.echo(json.dumps(found.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    console.print(f"[bold]{found.name}[/bold]（{found.code}，第 {found.version} 版）", highlight=False)
    if isinstance(found, ItemOut):
        console.print(
            f"{found.department_name}｜{found.item_type}｜{found.handling_label}｜法定 {found.statutory_days}"
            f" 个工作日，承诺 {found.promised_days} 个工作日｜{found.fee_note}",
            highlight=False,
        )
        materials = found.material_views
    else:
        console.print(f"牵头：{found.lead_department_name}｜成员事项 {len(found.items)} 个", highlight=False)
        materials = found.materials
    for material in materials:
        mark = material.waiver_reason or f"需上传 {material.copies} 份"
        console.print(f"  · {material.name}：{mark}", highlight=False)

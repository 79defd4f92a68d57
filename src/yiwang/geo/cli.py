"""`yiwang geo …` commands: load the division master data and grids, geocode text, list unit grids."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.geo import services
from yiwang.geo.geocoder import community_short_name
from yiwang.kernel.errors import YiwangError

app = typer.Typer(help="区划与单元网格：加载区划数据、地址解析、网格查询。", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    """A session on the configured database; domain and schema errors become a Chinese message and exit 1."""
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    except YiwangError as exc:
        errors.print(f"[red]错误：{exc.message}[/red]", soft_wrap=True)
        raise typer.Exit(code=1) from exc
    except (OperationalError, ProgrammingError) as exc:
        errors.print(f"[red]数据库尚未初始化或无法访问，请先运行 yiwang db upgrade（{exc.orig}）[/red]", soft_wrap=True)
        raise typer.Exit(code=1) from exc
    finally:
        engine.dispose()


@app.command("load")
def load(
    cell_m: int | None = typer.Option(
        None, "--cell-m", min=100, max=20000, help="单元网格边长（米），默认取 YIWANG_GRID_CELL_M（2000）"
    ),
) -> None:
    """把成都市区县边界、街道（乡镇）、社区（村）和单元网格加载到数据库（可重复执行）。"""
    settings = Settings()
    if cell_m is not None:
        settings = settings.model_copy(update={"grid_cell_m": cell_m})
    with _session(settings) as session:
        report = services.load_master_data(session, settings=settings)
    print(f"区（市）县 {report.districts} 个，街道（乡镇）{report.streets} 个，社区（村）{report.communities} 个")
    print(f"单元网格 {report.grids} 个（边长 {report.cell_m} 米，合成数据）")
    if report.regenerated_districts:
        print(f"本次重新生成网格的区县：{len(report.regenerated_districts)} 个")
    else:
        print("网格无变化（已是最新）")
    if report.removed:
        print(f"删除已不存在的区划条目 {report.removed} 个")


@app.command("geocode")
def geocode(text: str = typer.Argument(..., help="地址或诉求原文，如：郫都区犀浦镇那边路灯坏了")) -> None:
    """把地址或群众诉求文本解析到区县和街道，输出 JSON。"""
    with _session(Settings()) as session:
        result = services.geocode(session, text=text)
    print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))


@app.command("grids")
def grids(
    district: str = typer.Option(..., "--district", "-d", help="区县代码（6 位），如 510104"),
    street: str | None = typer.Option(None, "--street", "-s", help="街道代码（9 位）"),
    page: int = typer.Option(1, min=1, help="页码"),
    page_size: int = typer.Option(50, min=1, max=services.MAX_PAGE_SIZE, help="每页条数"),
) -> None:
    """列出一个区县（或街道）的单元网格。"""
    with _session(Settings()) as session:
        district_info = services.get_district(session, code=district)
        result = services.list_grids(
            session, district_code=district_info.code, street_code=street, page=page, page_size=page_size
        )
        names = services.division_names(session)
    title = f"{district_info.name}单元网格（第 {result.page}/{result.pages} 页，共 {result.total} 个，合成数据）"
    table = Table(title=title)
    table.add_column("网格编码", no_wrap=True)
    table.add_column("街道（乡镇）", no_wrap=True)
    table.add_column("社区（村）", no_wrap=True)
    table.add_column("序号", justify="right")
    table.add_column("面积 km²", justify="right")
    table.add_column("经度", justify="right", no_wrap=True)
    table.add_column("纬度", justify="right", no_wrap=True)
    for grid in result.items:
        table.add_row(
            grid.code,
            names.get(grid.street_code, grid.street_code),
            community_short_name(names.get(grid.community_code, grid.community_code)),
            str(grid.sequence),
            f"{grid.area_m2 / 1e6:.2f}",
            f"{grid.centroid_lon:.4f}",
            f"{grid.centroid_lat:.4f}",
        )
    console.print(table)

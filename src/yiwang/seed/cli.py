"""``yiwang seed``: generate the synthetic city (demo scale into the database, city scale as Parquet)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from yiwang.config import Settings
from yiwang.kernel.errors import ConflictError, ValidationError
from yiwang.seed.schemas import SeedReport


class Scale(StrEnum):
    """Which city to generate."""

    DEMO = "demo"
    CITY = "city"


def seed(
    scale: Scale = typer.Option(
        Scale.DEMO, help="demo：写入配置的数据库（约5万人、1万个市场主体）；city：写 Parquet 文件"
    ),
    seed_value: int | None = typer.Option(
        None, "--seed", help="随机种子（相同种子生成相同数据），默认取配置 YIWANG_SEED"
    ),
    persons: int | None = typer.Option(None, help="自然人数量（demo 默认 50000，city 默认 21000000）"),
    enterprises: int | None = typer.Option(None, help="市场主体数量（demo 默认 10000，city 默认 4000000）"),
    replace: bool = typer.Option(
        False,
        "--replace",
        help="demo：删除已有的合成数据后重新生成（不删除真实数据）",
    ),
    out: Path = typer.Option(Path("data/city"), help="city：Parquet 输出目录"),
    chunk_size: int = typer.Option(500_000, help="city：每块生成的行数（决定内存占用）"),
    as_of: str | None = typer.Option(None, help="合成城市的基准日期 YYYY-MM-DD（默认今天，成都时间）"),
    progress: bool = typer.Option(
        True,
        "--progress/--no-progress",
        help="显示进度条",
    ),
) -> None:
    """生成合成城市数据（全部标记为 synthetic）。"""
    from yiwang.seed import services  # noqa: PLC0415 - keeps numpy/pyarrow off the start-up path of other commands

    settings = Settings()
    seed_number = settings.seed if seed_value is None else seed_value
    try:
        reference = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        typer.echo(f"基准日期 {as_of} 无效：应为 YYYY-MM-DD", err=True)
        raise typer.Exit(code=2) from None
    try:
        if scale is Scale.DEMO:
            report = services.seed_demo(
                settings,
                seed=seed_number,
                persons=persons if persons is not None else 50_000,
                enterprises=enterprises if enterprises is not None else 10_000,
                progress=progress,
                replace=replace,
                as_of=reference,
            )
        else:
            report = services.write_city_parquet(
                out_dir=out,
                seed=seed_number,
                persons=persons if persons is not None else 21_000_000,
                enterprises=enterprises if enterprises is not None else 4_000_000,
                chunk_size=chunk_size,
                progress=progress,
                as_of=reference,
            )
    except (ConflictError, ValidationError) as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(code=1) from None
    _print(report)


def _print(report: SeedReport) -> None:
    table = Table()
    table.add_column("表 / table")
    table.add_column("行数 / rows", justify="right")
    for name, rows in report.counts.items():
        table.add_row(name, f"{rows:,}")
    table.add_row("合计 / total", f"{report.total_rows:,}")
    console = Console()
    console.print(
        f"合成城市 {report.scale}：种子 {report.seed}，基准日 {report.as_of.isoformat()}（数据均标记为 synthetic）"
    )
    console.print(table)
    console.print(f"写入 {report.target}，用时 {report.seconds:.1f} 秒")

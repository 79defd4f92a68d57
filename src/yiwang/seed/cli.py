"""``yiwang seed``: generate the synthetic city."""

from __future__ import annotations

import typer


def seed(
    scale: str = typer.Option("demo", help="demo（写入数据库）或 city（写 Parquet 供基准测试）"),
    seed_value: int | None = typer.Option(None, "--seed", help="随机种子（相同种子生成相同数据）"),
) -> None:
    """生成合成城市数据（标记为 synthetic）。"""
    raise typer.Exit(code=2)

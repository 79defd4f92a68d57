"""``yiwang bench AREA --json``: each area prints one JSON object as the last line of stdout."""

from __future__ import annotations

import typer

app = typer.Typer(help="性能基准（结果写入 docs/benchmarks.md）。", no_args_is_help=True)

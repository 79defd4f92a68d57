"""catalogue: Command-line group."""

from __future__ import annotations

import typer

app = typer.Typer(help="事项目录。", no_args_is_help=True)

"""grants: Command-line group."""

from __future__ import annotations

import typer

app = typer.Typer(help="惠企资金。", no_args_is_help=True)

"""onestop: Command-line group."""

from __future__ import annotations

import typer

app = typer.Typer(help="一网通办。", no_args_is_help=True)

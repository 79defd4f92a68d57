"""policies: Command-line group."""

from __future__ import annotations

import typer

app = typer.Typer(help="政策直达。", no_args_is_help=True)

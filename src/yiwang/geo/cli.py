"""`yiwang geo …` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="geo", no_args_is_help=True)

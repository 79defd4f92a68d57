"""`yiwang sharing …` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="sharing", no_args_is_help=True)

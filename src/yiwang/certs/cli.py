"""certs: Command-line group."""

from __future__ import annotations

import typer

app = typer.Typer(help="电子证照。", no_args_is_help=True)

"""hotline: Command-line group."""

from __future__ import annotations

import typer

from yiwang.hotline.triage import cli as triage_cli

app = typer.Typer(help="12345 热线。", no_args_is_help=True)
app.command("triage")(triage_cli.triage)
app.command("retrain")(triage_cli.retrain)

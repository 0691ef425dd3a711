from __future__ import annotations

import typer

app = typer.Typer(help="Campaigns: list, show, preview, cancel.", no_args_is_help=True)

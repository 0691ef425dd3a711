from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from loyalty.core import migrate
from loyalty.core.settings import get_settings

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
console = Console()


@app.command()
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Migrate the configured database to REVISION (default: the newest)."""
    settings = get_settings()
    if settings.is_sqlite:
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.database_url, revision)
    console.print(f"[green]database at {revision}[/green]")

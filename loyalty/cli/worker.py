from __future__ import annotations

import typer


def worker(
    beat: bool = typer.Option(False, "--beat", help="also run the beat scheduler (one machine only)"),
) -> None:
    """Start a Celery worker."""
    raise typer.Exit(0)  # filled in by the workers issue

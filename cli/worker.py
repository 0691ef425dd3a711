from __future__ import annotations

import typer


def worker(
    beat: bool = typer.Option(False, "--beat", help="also run the beat scheduler (one machine only)"),
    concurrency: int = typer.Option(0, "--concurrency", "-c", help="processes (default: CPUs; 1 on SQLite)"),
    loglevel: str = typer.Option("INFO", "--loglevel"),
) -> None:
    """Start a Celery worker (broker: LOYALTY_BROKER_URL). Run beat on exactly one machine."""
    from cli.preflight import for_worker
    from loyalty.core.settings import get_settings

    for_worker(beat)  # the database, the broker, beat's state file: or one line and exit 1
    from workers.app import app

    settings = get_settings()
    argv = ["worker", f"--loglevel={loglevel}"]
    if settings.is_sqlite:
        # SQLite has no row locks: one process claims and sends (see docs/operations.md)
        argv.append("--concurrency=1")
    elif concurrency:
        argv.append(f"--concurrency={concurrency}")
    if beat:
        argv.append("--beat")
    app.worker_main(argv)

"""Before a long-running command starts: what it needs is there, or one line saying what is not (exit 1)."""

from __future__ import annotations

import typer

from loyalty.core.settings import get_settings


def require(*problems: str | None) -> None:
    """Stop with the first problem found (one line on standard error, exit code 1)."""
    for problem in problems:
        if problem:
            typer.echo(f"error: {problem}", err=True)
            raise typer.Exit(1)


def for_serve() -> None:
    from loyalty.messaging.routes import routes_problem
    from workers import checks

    settings = get_settings()
    require(routes_problem(settings), checks.database_problem(settings.database_url))


def for_worker(beat: bool) -> None:
    from loyalty.messaging.routes import routes_problem
    from workers import checks

    settings = get_settings()
    require(
        routes_problem(settings),
        checks.lease_problem(settings),
        checks.database_problem(settings.database_url),
        checks.broker_problem(settings.broker_url),
        checks.beat_state_problem(settings.beat_schedule_path) if beat else None,
    )

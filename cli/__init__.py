"""The ``loyalty`` command (Typer). Each group lives in its own module; web and worker imports stay lazy."""

from __future__ import annotations

import os
from datetime import datetime

import typer
from pydantic import ValidationError

from cli import campaigns, cards, db, demo, forecast, members, serve, users, worker
from loyalty.core import clock
from loyalty.core.settings import get_settings, settings_error_line

app = typer.Typer(help="Loyalty program and occasion-based promotions.", no_args_is_help=True)


@app.callback()
def _settings_first() -> None:
    # a bad or missing setting is one line naming the variable, before any command starts (no traceback)
    try:
        settings = get_settings()
    except ValidationError as exc:
        typer.echo(settings_error_line(exc), err=True)
        raise typer.Exit(2) from None
    if settings.now is not None and settings.now_since is None:
        # the children of `loyalty run` (API, worker, beat) read LOYALTY_NOW at the same real instant
        os.environ["LOYALTY_NOW_SINCE"] = clock.real_utcnow().isoformat()
        settings.now_since = datetime.fromisoformat(os.environ["LOYALTY_NOW_SINCE"])
    settings.start_clock()
    from workers.checks import database_url_problem

    problem = database_url_problem(settings.database_url)
    if problem:
        typer.echo(f"invalid settings: {problem}", err=True)
        raise typer.Exit(2)


app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(campaigns.app, name="campaigns")
app.add_typer(cards.app, name="cards")
app.add_typer(members.app, name="members")
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("run")(serve.run)
app.command("worker")(worker.worker)
app.command("forecast")(forecast.forecast)

"""The ``loyalty`` command (Typer). Each group lives in its own module; web and worker imports stay lazy."""

from __future__ import annotations

import typer

from cli import campaigns, cards, db, demo, members, serve, users, worker

app = typer.Typer(help="Loyalty program and occasion-based promotions.", no_args_is_help=True)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(campaigns.app, name="campaigns")
app.add_typer(cards.app, name="cards")
app.add_typer(members.app, name="members")
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("run")(serve.run)
app.command("worker")(worker.worker)

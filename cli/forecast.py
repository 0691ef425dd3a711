"""``loyalty forecast --days N [--csv FILE]``: what the coming days will send (issue 19 point 10)."""

from __future__ import annotations

import csv
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from loyalty.core.clock import utcnow
from loyalty.core.db import get_engine, unit_of_work
from loyalty.core.errors import DomainError
from loyalty.core.settings import get_settings
from loyalty.delivery.forecast import MAX_DAYS, ForecastMessage, play

console = Console()
CSV_FIELDS = tuple(ForecastMessage.__dataclass_fields__)


def forecast(
    days: int = typer.Option(30, "--days", min=1, max=MAX_DAYS, help=f"how many days ahead (1-{MAX_DAYS})"),
    csv_file: Path = typer.Option(None, "--csv", help="write every message to this CSV file"),
    member_id: int = typer.Option(None, "--member", help="only this member's messages"),
    campaign_id: int = typer.Option(None, "--campaign", help="only this campaign's messages"),
) -> None:
    """Play the coming days through the real planning, policy and content code on a simulated clock, over
    the current state rolled back afterwards: nothing is written, nothing is sent."""
    settings = get_settings()
    with unit_of_work(get_engine(settings.database_url)) as session:
        try:
            found = play(
                session, settings, start=utcnow(), days=days, member_id=member_id, campaign_id=campaign_id
            )
        except DomainError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(1) from None
        finally:
            session.rollback()
    if csv_file is not None:
        with csv_file.open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
            writer.writeheader()
            for message in found.messages:
                writer.writerow({name: getattr(message, name) for name in CSV_FIELDS})
    table = Table(title=f"Forecast: {days} days from {found.start:%Y-%m-%d %H:%M} UTC")
    for column in ("day", "channel", "messages", "segments", "cost"):
        table.add_column(column)
    for total in found.totals:
        table.add_row(*(str(total[c]) for c in ("day", "channel", "messages", "segments", "cost")))
    console.print(table)
    fates: dict[str, int] = {}
    for message in found.messages:
        fates[message.fate] = fates.get(message.fate, 0) + 1
    console.print(", ".join(f"{fate}: {n}" for fate, n in sorted(fates.items())) or "nothing to send")
    for warning in found.warnings:
        console.print(f"[yellow]{warning}[/yellow]")

"""``loyalty cards print``: active cards on A4 sheets (10 a sheet, crop marks) in one PDF file.

The command only reads the database (a unit of work that never commits); ``card_pdf.render_sheets_pdf``
lays the sheets out and joins them; the file is written once, atomically.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from loyalty import cards
from loyalty.db import unit_of_work
from loyalty.errors import DomainError
from loyalty.settings import get_settings

app = typer.Typer(help="Cards: print them on A4 sheets.", no_args_is_help=True)
console = Console()


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]{escape(message)}[/red]")
    return typer.Exit(2)


def local_midnight_utc(day: date, timezone_name: str) -> datetime:
    """The start of ``day`` in the shop's zone, as a UTC instant."""
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone_name)).astimezone(UTC)


@app.command("print")
def print_(
    out: Path = typer.Option(..., "--out", help="the PDF file to write (its folder must exist)"),
    since: datetime | None = typer.Option(
        None, "--since", formats=["%Y-%m-%d"], help="cards issued on or after this local date (YYYY-MM-DD)"
    ),
    numbers: list[str] | None = typer.Option(
        None, "--number", help="print exactly these cards (repeat the option); not with --since"
    ),
) -> None:
    """Active cards (all, issued since a date, or the given numbers) on A4 sheets with crop marks."""
    settings = get_settings()
    if since is not None and numbers:
        raise _fail("give either --since or --number, not both")
    if not out.parent.is_dir():
        raise _fail(f"folder {out.parent} does not exist")
    started = time.perf_counter()
    with unit_of_work() as session:
        try:
            if numbers:
                found = cards.printable_cards(session, numbers)
                unique = {card.id: card for card in found}.values()  # a number given twice prints once
                selected = sorted(unique, key=lambda card: (card.issued_at, card.id or 0))
            else:
                since_utc = None if since is None else local_midnight_utc(since.date(), settings.timezone)
                selected = cards.cards_to_print(session, since_utc=since_utc)
        except DomainError as exc:
            raise _fail(exc.message) from exc
        if not selected:
            console.print("Nothing to print: no active cards match. No file written.")
            return
        from loyalty.card_pdf import card_view

        views = [card_view(card, settings.shop_name) for card in selected]

    from loyalty.card_pdf import SHEET_MAX, render_sheets_pdf

    sheets = math.ceil(len(views) / SHEET_MAX)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console,
    ) as progress:  # fmt: skip
        task = progress.add_task("sheets", total=sheets)
        pdf = render_sheets_pdf(views, on_sheet=lambda: progress.advance(task))
    write_atomically(out, pdf)
    seconds = time.perf_counter() - started
    count = f"{len(views)} card{'s' if len(views) != 1 else ''} on {sheets} sheet{'s' if sheets != 1 else ''}"
    console.print(f"[green]{count} -> {escape(str(out))} in {seconds:.1f} s[/green]")


def write_atomically(path: Path, data: bytes) -> None:
    """A temporary file beside ``path``, then a rename: the old file or the whole new one, never half."""
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.chmod(0o644)  # mkstemp makes it 0600; a print file is readable like any other output
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise

"""``loyalty cards print``: active cards on A4 sheets (10 a sheet, crop marks) in one PDF file.

The command only reads the database (a unit of work that never commits). Each sheet is laid out by
WeasyPrint on its own; the sheets' pages are then joined into one document (``Document.copy`` of all
pages, WeasyPrint's documented way to combine documents) and written once, atomically.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from loyalty import cards
from loyalty.db import unit_of_work
from loyalty.errors import DomainError
from loyalty.settings import get_settings

if TYPE_CHECKING:
    from weasyprint.document import Document

    from loyalty.card_pdf import CardView

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

    from loyalty.card_pdf import SHEET_MAX

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


def render_sheets_pdf(views: Sequence[CardView], on_sheet: Callable[[], None] = lambda: None) -> bytes:
    """Any number of cards, 10 to an A4 sheet, as one PDF; ``on_sheet`` is called after each sheet.

    Each sheet goes through the same template (sheet.html), layout (``sheet_layout``) and locked-down
    WeasyPrint set-up (``card_pdf._resources``: fetcher, fonts, stylesheets) as ``render_sheet_pdf``, but
    stays a laid-out ``Document`` so the pages can be joined before the PDF is written once.
    """
    from loyalty.card_pdf import SHEET_MAX

    if not views:
        raise ValueError("no cards to render")
    documents = []
    for start in range(0, len(views), SHEET_MAX):
        documents.append(_sheet_document(views[start : start + SHEET_MAX]))
        on_sheet()
    pages = [page for document in documents for page in document.pages]
    pdf: bytes = documents[0].copy(pages).write_pdf()
    return pdf


def _sheet_document(views: Sequence[CardView]) -> Document:
    from weasyprint import HTML

    from loyalty import card_pdf

    slots, marks = card_pdf.sheet_layout(len(views))
    html = (
        card_pdf._env()
        .get_template("sheet.html")
        .render(
            slots=[{**slot, "card": view} for slot, view in zip(slots, views, strict=True)],
            marks=marks,
            title=card_pdf._title(views),
        )
    )
    fetcher, fonts, stylesheets = card_pdf._resources("sheet.css")
    document = HTML(string=html, base_url=card_pdf.CARDS_DIR.as_uri() + "/", url_fetcher=fetcher)
    return document.render(stylesheets=stylesheets, font_config=fonts)


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

"""``loyalty cards print``: active cards on A4 sheets (10 a sheet, crop marks) in one PDF file.

The command only reads the database (a unit of work that never commits); ``card_pdf.render_sheets_pdf``
lays the sheets out and joins them; the file is written once, atomically.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from loyalty.core.errors import DomainError
from loyalty.core.settings import get_settings

app = typer.Typer(help="Cards: print them on A4 sheets.", no_args_is_help=True)
console = Console()


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]{escape(message)}[/red]")
    return typer.Exit(2)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


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
    from loyalty.cards.printing import cards_for_print_run
    from loyalty.core.db import get_engine, unit_of_work

    settings = get_settings()
    if since is not None and numbers:
        raise _fail("give either --since or --number, not both")
    if not out.parent.is_dir():
        raise _fail(f"folder {out.parent} does not exist")
    started = time.perf_counter()
    with unit_of_work(get_engine(get_settings().database_url)) as session:
        try:
            selected = cards_for_print_run(
                session,
                timezone_name=settings.timezone,
                since=since.date() if since is not None else None,
                numbers=numbers,
            )
        except DomainError as exc:
            raise _fail(exc.message) from exc
        if not selected:
            console.print("Nothing to print: no active cards match. No file written.")
            return
        from loyalty.cards.pdf import card_view

        views = [card_view(card, settings.shop_name) for card in selected]

    from loyalty.cards.pdf import SHEET_MAX, render_sheets_pdf

    sheets = math.ceil(len(views) / SHEET_MAX)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console,
    ) as progress:  # fmt: skip
        task = progress.add_task("sheets", total=sheets)
        pdf = render_sheets_pdf(views, on_sheet=lambda: progress.advance(task))
    write_atomically(out, pdf)
    seconds = time.perf_counter() - started
    count = f"{_plural(len(views), 'card', 'cards')} on {_plural(sheets, 'sheet', 'sheets')}"
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

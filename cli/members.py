"""``loyalty members import FILE.csv [--dry-run]`` and ``loyalty members iys-export --since DATE``.

The import reads the file in chunks with a progress bar; bad rows go to a CSV report beside the file
(``FILE.errors.csv``) and the rest is committed at the end (nothing with ``--dry-run``).
"""

from __future__ import annotations

import sys
from datetime import datetime, time
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from loyalty.accounts.audit import record, set_actor
from loyalty.core.db import get_engine, unit_of_work
from loyalty.core.errors import DomainError
from loyalty.core.settings import get_settings
from loyalty.core.zones import zone_of
from loyalty.members.importing import import_members
from loyalty.members.iys import iys_csv, iys_records

app = typer.Typer(help="Members: import a customer list, export consent for İYS.", no_args_is_help=True)
console = Console()
ACTOR = "cli"


def _rows_in(path: Path) -> int:
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


def _encoding(path: Path) -> str:
    """UTF-8 or Windows Turkish (1254), read once in chunks; a file that is neither says how to save it."""
    from loyalty.core.errors import Invalid
    from loyalty.members.importing import file_encoding

    try:
        with path.open("rb") as raw:
            return file_encoding(iter(lambda: raw.read(1 << 20), b""))
    except Invalid as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None


@app.command("import")
def import_(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="CSV, UTF-8, header row"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="check and count, keep nothing"),
    errors: Path | None = typer.Option(
        None, "--errors", help="where to write bad rows (default FILE.errors.csv)"
    ),
) -> None:
    """Import members from a CSV file (columns in docs/operations.md); idempotent on the phone."""
    settings = get_settings()
    total = _rows_in(file)
    report_path = errors or file.with_name(f"{file.name}.errors.csv")
    with (
        unit_of_work(get_engine(settings.database_url)) as session,
        file.open(encoding=_encoding(file), newline="") as handle,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress,
    ):
        set_actor(session, ACTOR)
        task = progress.add_task("import", total=total)
        try:
            report = import_members(
                session,
                handle,
                actor=ACTOR,
                region=settings.country,
                default_locale=settings.locale,
                timezone=settings.timezone,
                progress=lambda done: progress.update(task, completed=done),
                dry_run=dry_run,
                chunk_done=session.commit,  # the counter keeps working while a large file goes in
            )
        except DomainError as exc:
            console.print(f"[red]{escape(exc.message)}[/red]")
            raise typer.Exit(2) from exc
        progress.update(task, completed=report.rows)
        if not dry_run:
            record(session, "import", "members", None, {"file": file.name, **report.summary()})
            session.commit()
    summary = report.summary()
    verb = "would create" if dry_run else "created"
    console.print(
        f"{summary['rows']} rows: {verb} {summary['created']}, existing {summary['existing']}, "
        f"consent rows {summary['consent_recorded']}, kept opt-outs {summary['consent_kept']}, "
        f"errors {summary['errors']}"
        + (" (dry run: nothing kept)" if dry_run else "")
    )
    if report.errors:
        report_path.write_text(report.errors_csv(), encoding="utf-8")
        console.print(f"[yellow]bad rows written to {escape(str(report_path))}[/yellow]")
        raise typer.Exit(1)


@app.command("iys-export")
def iys_export(
    since: datetime = typer.Option(..., "--since", formats=["%Y-%m-%d"], help="local date (YYYY-MM-DD)"),
    out: Path | None = typer.Option(None, "--out", help="CSV file to write (default: standard output)"),
) -> None:
    """Consent changes since a local date, in İYS's bulk format (CSV)."""
    settings = get_settings()
    start = datetime.combine(since.date(), time(), tzinfo=zone_of(settings.timezone))
    with unit_of_work(get_engine(settings.database_url)) as session:
        chunks = iys_csv(iys_records(session, start, settings.timezone))
        if out is None:
            for chunk in chunks:
                sys.stdout.write(chunk)
        else:
            with out.open("w", encoding="utf-8", newline="") as handle:
                handle.writelines(chunks)
            console.print(f"written {escape(str(out))}")

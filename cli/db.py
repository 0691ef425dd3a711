from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console

from loyalty.core.settings import get_settings

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
console = Console()


@app.command()
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Migrate the configured database to REVISION (default: the newest)."""
    from loyalty.core import migrate

    settings = get_settings()
    if settings.is_sqlite:
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.database_url, revision)
    console.print(f"[green]database at {revision}[/green]")


def _aware(option: str, value: str) -> datetime:
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        console.print(f"[red]{option} {value!r} is not an ISO 8601 time[/red]")
        raise typer.Exit(2) from None
    if when.tzinfo is None:
        console.print(f"[red]{option} needs its UTC offset (e.g. +03:00)[/red]")
        raise typer.Exit(2)
    return when.astimezone(UTC)


@app.command("export-redemptions")
def export_redemptions(
    since: str = typer.Option(
        ..., "--since", help="from when, ISO 8601 with offset (the last backup's time)"
    ),
    out: Path = typer.Option(..., "--out", help="the JSON file to write (kept outside the database's disk)"),
) -> None:
    """Write every coupon redemption and reversal since SINCE to a file outside the database, so a restore
    of an older backup can re-apply them (`reconcile-restore --redemptions`). Safe to run again and again."""
    from loyalty.core.db import get_engine, unit_of_work
    from loyalty.coupons.restore import redemption_records

    with unit_of_work(get_engine(get_settings().database_url)) as session:
        records = redemption_records(session, _aware("--since", since))
    partial = out.with_name(out.name + ".partial")
    partial.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    partial.replace(out)  # never a half-written export
    console.print(f"[green]{len(records)} redemptions and reversals written to {out}[/green]")


@app.command("reconcile-restore")
def reconcile_restore(
    backup_time: str = typer.Option(
        ...,
        "--backup-time",
        help="when the restored backup was taken, ISO 8601 (e.g. 2026-12-06T03:00+03:00)",
    ),
    redemptions: Path | None = typer.Option(
        None, "--redemptions", help="the file of `export-redemptions` taken from the lost database"
    ),
) -> None:
    """After restoring a backup (workers stopped): messages the backup shows unsent ask the provider first,
    so nothing it accepted after the backup is sent twice; redemptions exported since the backup are
    re-applied, so no coupon redeemed after it is redeemed again (docs/operations.md, "Restoring a
    backup")."""
    from loyalty.accounts.audit import set_actor
    from loyalty.campaigns.running import mark_runs_after_restore
    from loyalty.core.db import get_engine, unit_of_work, utcnow
    from loyalty.coupons.restore import reapply_redemptions
    from loyalty.messaging.claims import reconcile_after_restore

    backup_at = _aware("--backup-time", backup_time)
    records = None
    if redemptions is not None:
        try:
            records = json.loads(redemptions.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            console.print(f"[red]--redemptions {redemptions}: {error}[/red]")
            raise typer.Exit(2) from None
    with unit_of_work(get_engine(get_settings().database_url)) as session:
        set_actor(session, "system:restore")
        ids = reconcile_after_restore(session, backup_at, utcnow())
        runs = mark_runs_after_restore(session, backup_at, utcnow())
        replayed = None if records is None else reapply_redemptions(session, records, backup_at)
        session.commit()
    console.print(f"[green]{len(ids)} unsent messages will ask the provider before any resend[/green]")
    console.print(f"[green]{len(runs)} due campaign runs will ask the provider before sending again[/green]")
    if replayed is not None:
        console.print(
            f"[green]{replayed.applied} redemptions and reversals re-applied, {replayed.present} already "
            f"there[/green]"
        )
        for why in replayed.skipped:
            console.print(f"[yellow]not re-applied: {why}[/yellow]")

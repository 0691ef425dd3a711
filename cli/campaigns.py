"""``loyalty campaigns list|show|preview|cancel``: campaigns, their runs and results as tables."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from loyalty.core.errors import DomainError
from loyalty.core.settings import get_settings

app = typer.Typer(help="Campaigns: list, show, preview, cancel.", no_args_is_help=True)
console = Console()


def _fail(exc: DomainError) -> typer.Exit:
    console.print(f"[red]{exc.message}[/red]")
    return typer.Exit(1)


def _when(value: object) -> str:
    return "—" if value is None else str(value)


@app.command("list")
def list_(status: str = typer.Option(None, "--status", help="scheduled, running, done, cancelled")) -> None:
    """Campaigns, newest first, with their next send time."""
    from loyalty.campaigns.lifecycle import list_campaigns
    from loyalty.campaigns.views import campaign_public
    from loyalty.core.db import get_engine, unit_of_work

    settings = get_settings()
    with unit_of_work(get_engine(get_settings().database_url)) as session:
        found = list_campaigns(session, status=status)
        table = Table(title="Campaigns")
        for column in ("id", "name", "status", "trigger", "offer", "channel", "next send (local)"):
            table.add_column(column)
        for campaign in found:
            view = campaign_public(session, campaign, timezone_name=settings.timezone)
            trigger = view.trigger
            what = (
                trigger.get("holiday_key")
                or ",".join(trigger.get("kinds") or [])
                or trigger.get("send_at", "")
            )
            offer = view.offer
            off = (
                f"%{offer['value']}"
                if offer["kind"] == "percent"
                else f"{offer['value']} {settings.currency}"
            )
            table.add_row(
                str(view.id), view.name, view.status, f"{trigger['type']}: {what}", off, view.channel,
                _when(view.scheduled_local),
            )  # fmt: skip
    console.print(table if found else "No campaigns yet.")


@app.command()
def show(campaign_id: int) -> None:
    """A campaign: its runs (done and planned) and results overall and per day."""
    from loyalty.campaigns.views import campaign_detail
    from loyalty.core.db import get_engine, unit_of_work

    settings = get_settings()
    with unit_of_work(get_engine(get_settings().database_url)) as session:
        try:
            detail = campaign_detail(session, campaign_id, timezone_name=settings.timezone)
        except DomainError as exc:
            raise _fail(exc) from exc
    console.print(f"[bold]{detail.name}[/bold] (#{detail.id}) — {detail.status}, {detail.channel}")
    console.print(f"trigger: {detail.trigger}   offer: {detail.offer}   audience: {detail.audience or 'all'}")
    runs = Table(title="Runs")
    for column in ("run", "status", "send (local)", "scheduled for (UTC)", "targeted", "coupons", "queued"):
        runs.add_column(column)
    for run in detail.runs:
        runs.add_row(
            run.run_key, run.status, run.scheduled_local, run.scheduled_for.strftime("%Y-%m-%d %H:%M"),
            str(run.targeted), str(run.coupons_issued), str(run.messages_queued),
        )  # fmt: skip
    console.print(runs)
    s = detail.stats
    results = Table(title="Results")
    for column in ("day", "coupons", "sent", "delivered", "failed", "redeemed", "revenue"):
        results.add_column(column, justify="right")
    for day in s.per_day:
        results.add_row(
            day.day.isoformat(), str(day.coupons), str(day.sent), str(day.delivered), str(day.failed),
            str(day.redeemed), str(day.revenue),
        )  # fmt: skip
    results.add_row(
        "[bold]total[/bold]", str(s.coupons), str(s.sent), str(s.delivered), str(s.failed), str(s.redeemed),
        str(s.revenue),
    )  # fmt: skip
    console.print(results)
    console.print(f"targeted {s.targeted}, redemption rate {s.redemption_rate:.1%}")


@app.command()
def preview(campaign_id: int) -> None:
    """Audience per channel, sample messages per locale (SMS encoding and segments) and the cost."""
    from loyalty.campaigns.preview import preview_campaign
    from loyalty.core.db import get_engine, unit_of_work

    with unit_of_work(get_engine(get_settings().database_url)) as session:
        try:
            p = preview_campaign(session, campaign_id, settings=get_settings())
        except DomainError as exc:
            raise _fail(exc) from exc
    audience = Table(title=f"Audience (run {p.run_key}, {_when(p.scheduled_for)})")
    for column in ("channel", "members"):
        audience.add_column(column)
    for channel in ("sms", "email", "total"):
        audience.add_row(channel, str(p.audience.get(channel, 0)))
    console.print(audience)
    samples = Table(title="Sample messages", show_lines=True)
    for column in ("locale", "channel", "encoding", "segments", "message"):
        samples.add_column(column)
    for sample in p.samples:
        text = f"[bold]{sample.subject}[/bold]\n{sample.text}" if sample.subject else sample.text
        encoding = sample.encoding or ""
        if sample.forced_by:
            encoding += f" ({sample.forced_by})"
        samples.add_row(sample.locale, sample.channel, encoding, _when(sample.segments), text)
    console.print(samples)
    c = p.estimated_cost
    console.print(
        f"estimated cost: {c.sms_segments} SMS segments = {c.sms_cost} + {c.emails} e-mails = {c.email_cost}"
        f" -> [bold]{c.total} {c.currency}[/bold]"
    )


@app.command()
def cancel(campaign_id: int) -> None:
    """Cancel a campaign: runs not done are cancelled; coupons already issued stay valid."""
    from loyalty.campaigns.lifecycle import cancel_campaign
    from loyalty.core.db import get_engine, unit_of_work

    with unit_of_work(get_engine(get_settings().database_url)) as session:
        try:
            campaign = cancel_campaign(session, campaign_id, actor="user:cli")
        except DomainError as exc:
            raise _fail(exc) from exc
        session.commit()
        console.print(f"[green]campaign {campaign.id} {campaign.name!r} is {campaign.status}[/green]")

"""The triggers by type, and the planning every trigger shares: the only place that maps a campaign's
``trigger_type`` to its strategy. A new trigger: a module beside ``holiday.py`` and one line here."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from loyalty.campaigns.triggers.base import Planning, Trigger
from loyalty.campaigns.triggers.holiday import HOLIDAY
from loyalty.campaigns.triggers.occasion import OCCASION
from loyalty.campaigns.triggers.on_date import DATE
from loyalty.core.errors import Invalid
from loyalty.core.zones import zone_of
from loyalty.models.campaigns import Campaign, CampaignRun, TriggerType

TRIGGERS: dict[str, Trigger] = {t.type.value: t for t in (HOLIDAY, DATE, OCCASION)}


def trigger_named(name: str) -> Trigger:
    found = TRIGGERS.get(str(name))
    if found is None:
        raise Invalid("trigger.type", "campaigns.trigger_one", triggers=", ".join(sorted(TRIGGERS)))
    return found


def trigger_of(campaign: Campaign) -> Trigger:
    return trigger_named(TriggerType(campaign.trigger_type).value)


def upcoming_runs(
    session: Session | None,
    campaign: Campaign,
    *,
    now: datetime,
    count: int = 2,
    timezone_name: str = "Europe/Istanbul",
) -> list[CampaignRun]:
    """The next ``count`` runs as planned (unsaved): for a yearly holiday this year's and next year's
    dates, each from that year's own calendar."""
    at = Planning(session, now, zone_of(timezone_name))
    trigger = trigger_of(campaign)
    out: list[CampaignRun] = []
    first: int | date = trigger.first_from(at)
    for _ in range(count):
        run = trigger.planned_run(campaign, first, at)
        if run is None or any(r.run_key == run.run_key for r in out):
            break
        out.append(run)
        first = trigger.next_first(campaign, run)
    return out

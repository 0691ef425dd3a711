"""The date trigger: one run, at a local date-time in the shop's zone."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from loyalty.campaigns.schedule import MAX_YEARS_AHEAD, new_run
from loyalty.campaigns.triggers.base import Planning, Trigger
from loyalty.core.errors import Invalid
from loyalty.models.campaigns import Campaign, CampaignRun, TriggerType


def parse_send_at(value: str, zone: ZoneInfo, now: datetime) -> tuple[date, str]:
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is not None:
            moment = moment.astimezone(zone)
    except (ValueError, AttributeError, OverflowError) as exc:
        raise Invalid("trigger.send_at", "campaigns.send_local_date_time_like") from exc
    if moment.year > now.year + MAX_YEARS_AHEAD:
        raise Invalid("trigger.send_at", "campaigns.send_within_5_years")
    return moment.date(), f"{moment.hour:02d}:{moment.minute:02d}"


class DateTrigger(Trigger):
    type = TriggerType.date
    past_field = "trigger.send_at"

    def apply(self, campaign: Campaign, trigger: BaseModel, at: Planning) -> None:
        data: Any = trigger
        campaign.send_on, campaign.send_time = parse_send_at(data.send_at, at.zone, at.now)

    def planned_run(self, campaign: Campaign, first: int | date, at: Planning) -> CampaignRun | None:
        """Its only run, past or not."""
        return None if campaign.send_on is None else new_run(campaign, "once", campaign.send_on)

    def next_first(self, campaign: Campaign, run: CampaignRun) -> int | date:
        return run.send_date

    def describe(self, campaign: Campaign) -> dict[str, Any]:
        send_on = campaign.send_on.isoformat() if campaign.send_on else None
        return {"type": self.type.value, "send_at": f"{send_on}T{campaign.send_time}"}


DATE = DateTrigger()

"""The occasion trigger: every day, to members whose occasion of the given kinds (and for whom) falls
``days_before`` days later; each message is about the member's own occasion."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import col

from loyalty.campaigns.schedule import HasSendDate, local_send_instant, new_run
from loyalty.campaigns.triggers.base import OccasionWindow, Planning, Trigger, apply_timing
from loyalty.core.errors import Invalid
from loyalty.models.campaigns import Campaign, CampaignRun, TriggerType
from loyalty.models.occasions import OccasionKind


class OccasionTrigger(Trigger):
    type = TriggerType.occasion
    per_occasion = True

    def apply(self, campaign: Campaign, trigger: BaseModel, at: Planning) -> None:
        data: Any = trigger
        apply_timing(campaign, data)
        known = {k.value for k in OccasionKind}
        kinds = list(dict.fromkeys(k.strip() for k in data.kinds))
        if not kinds or any(k not in known for k in kinds):
            raise Invalid("trigger.kinds", "campaigns.kinds_some", known=sorted(known))
        campaign.occasion_kinds = kinds
        campaign.for_whom = [w.strip() for w in data.for_whom if w.strip()] or None if data.for_whom else None

    def planned_run(self, campaign: Campaign, first: int | date, at: Planning) -> CampaignRun | None:
        day = first if isinstance(first, date) else date(first, 1, 1)
        day = max(day, at.today)
        while local_send_instant(day, campaign.send_time, at.zone) < at.now:
            day += timedelta(days=1)
        return new_run(campaign, day.isoformat(), day)

    def next_first(self, campaign: Campaign, run: CampaignRun) -> int | date:
        return run.send_date + timedelta(days=1)

    def run_after(self, campaign: Campaign, run: CampaignRun, at: Planning) -> CampaignRun | None:
        """The next day even if its send time has passed (a catch-up after downtime still sends)."""
        day = run.send_date + timedelta(days=1)
        return new_run(campaign, day.isoformat(), day)

    def audience_window(self, campaign: Campaign, run: HasSendDate) -> OccasionWindow | None:
        celebrated = run.send_date + timedelta(days=campaign.days_before)
        return (campaign.occasion_kinds or [], campaign.for_whom, celebrated)

    def describe(self, campaign: Campaign) -> dict[str, Any]:
        return {
            "type": self.type.value,
            "kinds": campaign.occasion_kinds or [],
            "for_whom": campaign.for_whom,
            "days_before": campaign.days_before,
            "send_time": campaign.send_time,
        }


def occasion_campaigns() -> sa.ColumnElement[bool]:
    """On ``campaigns``: those with the occasion trigger."""
    return col(Campaign.trigger_type) == TriggerType.occasion.value


OCCASION = OccasionTrigger()

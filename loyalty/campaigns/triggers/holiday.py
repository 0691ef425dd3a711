"""The holiday trigger: every year (or in one year), ``days_before`` days before a holiday, at a time.

Each year is planned from that year's own calendar (a Hijri bayram moves about 11 days a year)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import col

from loyalty.campaigns.schedule import MAX_YEARS_AHEAD, holiday_day, local_send_instant, new_run
from loyalty.campaigns.triggers.base import Planning, Trigger, apply_timing
from loyalty.core.errors import Invalid, for_field
from loyalty.holidays.public import check_country
from loyalty.models.campaigns import Campaign, CampaignRun, TriggerType


class HolidayTrigger(Trigger):
    type = TriggerType.holiday
    past_field = "trigger.year"
    plans_years = True
    names_holiday = True

    def apply(self, campaign: Campaign, trigger: BaseModel, at: Planning) -> None:
        data: Any = trigger
        apply_timing(campaign, data)
        try:
            campaign.country = check_country(data.country or at.country)
        except Invalid as exc:
            raise for_field(exc, "trigger.country") from exc
        year = at.now.year
        if data.year is not None and not year - 1 <= data.year <= year + MAX_YEARS_AHEAD:
            raise Invalid("trigger.year", "common.year_out_range")
        campaign.holiday_key, campaign.year = data.holiday_key.strip(), data.year
        probe = range(year, year + 3) if data.year is None else [data.year]
        if all(holiday_day(at.session, campaign, y) is None for y in probe):
            raise Invalid(
                "trigger.holiday_key", "campaigns.unknown_holiday", holiday_key=repr(campaign.holiday_key)
            )

    def first_from(self, at: Planning) -> int | date:
        return at.today.year

    def planned_run(self, campaign: Campaign, first: int | date, at: Planning) -> CampaignRun | None:
        start = first.year if isinstance(first, date) else first
        years = [campaign.year] if campaign.year is not None else list(range(start, start + 4))
        for year in years:
            holiday = holiday_day(at.session, campaign, year)
            if holiday is None:
                continue
            send_date = holiday - timedelta(days=campaign.days_before)
            if campaign.year is None and local_send_instant(send_date, campaign.send_time, at.zone) < at.now:
                continue
            return new_run(campaign, str(year), send_date)
        return None

    def next_first(self, campaign: Campaign, run: CampaignRun) -> int | date:
        return int(run.run_key) + 1

    def run_after(self, campaign: Campaign, run: CampaignRun, at: Planning) -> CampaignRun | None:
        if campaign.year is not None:  # one year only
            return None
        return self.planned_run(campaign, self.next_first(campaign, run), at)

    def describe(self, campaign: Campaign) -> dict[str, Any]:
        return {
            "type": self.type.value,
            "holiday_key": campaign.holiday_key,
            "country": campaign.country,
            "year": campaign.year,
            "every_year": campaign.year is None,
            "days_before": campaign.days_before,
            "send_time": campaign.send_time,
        }


def same_holiday(campaign: Campaign, other: Campaign) -> bool:
    """Both campaigns are about the same holiday (and country)."""
    return (
        campaign.trigger_type == other.trigger_type == TriggerType.holiday
        and other.holiday_key == campaign.holiday_key
        and other.country == campaign.country
    )


def same_holiday_sql(campaign: Campaign) -> sa.ColumnElement[bool]:
    """SQL twin of :func:`same_holiday`, on ``campaigns``."""
    return sa.and_(
        col(Campaign.trigger_type) == TriggerType.holiday.value,
        col(Campaign.holiday_key) == campaign.holiday_key,
        col(Campaign.country) == campaign.country,
    )


HOLIDAY = HolidayTrigger()

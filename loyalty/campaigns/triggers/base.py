"""What every trigger (holiday, date, occasion, and whatever comes next) answers: the contract of a strategy,
with the steps several triggers share as its defaults.

A campaign's trigger decides how its input is validated and stored, when its runs fall, which members a
run's audience takes (an occasion's window) and what its messages are about (a holiday, each member's
occasion). The rest of ``campaigns/`` asks the campaign's strategy (``registry.trigger_of``) and never
compares the trigger type itself. Every planning step gets one :class:`Planning`: the session, the instant,
the shop's zone and country."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlmodel import Session

from loyalty.campaigns.schedule import MAX_DAYS_BEFORE, HasSendDate, parse_send_time
from loyalty.core.errors import Invalid
from loyalty.models.campaigns import Campaign, CampaignRun, TriggerType

# an occasion campaign's audience window: (kinds, for_whom, the local day the occasions are celebrated)
OccasionWindow = tuple[Sequence[str], Sequence[str] | None, date]


@dataclass(frozen=True)
class Planning:
    """Where and when a trigger plans: the session (a holiday's calendar; None: the built-in one), the
    instant, the shop's zone, and the shop's country (a holiday campaign's default)."""

    session: Session | None
    now: datetime
    zone: ZoneInfo
    country: str = ""

    @property
    def today(self) -> date:
        """The local day of ``now`` in the shop's zone."""
        return self.now.astimezone(self.zone).date()


class Trigger(ABC):
    type: ClassVar[TriggerType]
    past_field: ClassVar[str] = "trigger"  # the input field named when the first send time is already past
    plans_years: ClassVar[bool] = False  # yearly runs planned ahead (shown before they are saved)
    names_holiday: ClassVar[bool] = False  # its messages name a holiday
    per_occasion: ClassVar[bool] = False  # its messages are about each member's own occasion

    @abstractmethod
    def apply(self, campaign: Campaign, trigger: BaseModel, at: Planning) -> None:
        """Validate the trigger's input (``Invalid`` naming the ``trigger.*`` field) and store it."""

    def first_from(self, at: Planning) -> int | date:
        """Where planning starts: a local day (a holiday year for the holiday trigger)."""
        return at.today

    @abstractmethod
    def planned_run(self, campaign: Campaign, first: int | date, at: Planning) -> CampaignRun | None:
        """The first run from ``first`` on whose send instant in the shop's zone is not before ``now``."""

    @abstractmethod
    def next_first(self, campaign: Campaign, run: CampaignRun) -> int | date:
        """Where planning continues after ``run``."""

    def run_after(self, campaign: Campaign, run: CampaignRun, at: Planning) -> CampaignRun | None:
        """The run that follows ``run`` once it is done (None: the campaign ends, the default)."""
        return None

    def audience_window(self, campaign: Campaign, run: HasSendDate) -> OccasionWindow | None:
        """The occasions a run's audience must celebrate (None, the default: no such condition)."""
        return None

    @abstractmethod
    def describe(self, campaign: Campaign) -> dict[str, Any]:
        """The trigger as the API shows it."""


def apply_timing(campaign: Campaign, data: Any) -> None:
    """A trigger sent ``days_before`` a day at ``send_time`` (holiday, occasion): both checked and stored."""
    if not 0 <= data.days_before <= MAX_DAYS_BEFORE:
        raise Invalid("trigger.days_before", "campaigns.days_before_0", max_days_before=MAX_DAYS_BEFORE)
    parse_send_time(data.send_time)
    campaign.days_before, campaign.send_time = data.days_before, data.send_time

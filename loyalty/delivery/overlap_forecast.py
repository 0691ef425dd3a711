"""``/campaigns/{id}/overlaps`` with the cap's effect played by the forecast (issue 19 point 10).

``loyalty.campaigns.overlap`` names the campaigns that collide (same holiday, shared members within a cap
window); what the cap then does is played, not guessed: the forecast from now until the campaign's next
send plus one cap window (and a day for quiet hours), with and without the campaign
(``campaign_effect``). It foresees the members' personal messages and the deferrals that really happen.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlmodel import Session

from loyalty.campaigns.overlap import overlap_report
from loyalty.campaigns.schemas import OverlapReport
from loyalty.core.clock import utcnow
from loyalty.core.settings import Settings
from loyalty.delivery.campaign_forecast import campaign_effect
from loyalty.delivery.forecast import MAX_DAYS


def forecast_days(scheduled_for: datetime, now: datetime, settings: Settings) -> int:
    """From ``now`` to one cap window (and a day) after the send, whole days; 0 when that is beyond the
    forecast's limit (a play that stops before the send would foresee nothing, slowly)."""
    span = scheduled_for - now + timedelta(days=settings.frequency_cap_days + 1)
    days = max(1, math.ceil(span / timedelta(days=1)))
    return days if days <= MAX_DAYS else 0


def overlaps_forecast(
    session: Session, campaign_id: int, *, settings: Settings, now: datetime | None = None
) -> OverlapReport:
    now = now or utcnow()
    report = overlap_report(session, campaign_id, settings=settings, now=now)
    if report.scheduled_for is None:
        return report
    days = forecast_days(report.scheduled_for, now, settings)
    if not days:
        return report.model_copy(update={"forecast_days": 0, "forecast_limit_days": MAX_DAYS})
    effect = campaign_effect(session, settings, campaign_id, start=now, days=days)
    total = effect.total
    return report.model_copy(
        update={
            "deferred_by_cap": effect.deferred_by_cap,
            "dropped_by_cap": effect.dropped_by_cap,
            "others_deferred": total.others_deferred if total else 0,
            "others_dropped": total.others_dropped if total else 0,
            "others_cancelled": total.others_cancelled if total else 0,
            "forecast_days": days,
            "forecast_limit_days": MAX_DAYS,
        }
    )

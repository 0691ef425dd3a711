"""The forecast (issue 19 point 10): what the coming days will send, played by the real code, rolled back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from api.deps import IdPath, MarketingUser, SessionDep, SettingsDep
from api.routing import api_router
from loyalty.core.clock import utcnow
from loyalty.core.db import RowId
from loyalty.delivery.campaign_forecast import campaign_effect
from loyalty.delivery.forecast import MAX_DAYS, play

router = api_router(tags=["campaigns"])


@router.get("/forecast")
def forecast(
    session: SessionDep,
    settings: SettingsDep,
    _user: MarketingUser,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS)] = 30,
    member_id: Annotated[RowId | None, Query()] = None,
    campaign_id: Annotated[RowId | None, Query()] = None,
) -> dict[str, Any]:
    """Every message the next ``days`` days will send, defer, drop or cancel, with the reason, its SMS
    segments, and totals per day and channel with the cost. Nothing is written: the request's transaction
    is rolled back (a savepoint around the play)."""
    savepoint = session.begin_nested()
    try:
        found = play(
            session, settings, start=utcnow(), days=days, member_id=member_id, campaign_id=campaign_id
        )
    finally:
        savepoint.rollback()
    return found.as_dict()


@router.get("/campaigns/{campaign_id}/forecast")
def campaign_forecast(
    campaign_id: IdPath,
    session: SessionDep,
    settings: SettingsDep,
    _user: MarketingUser,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS)] = 91,
) -> dict[str, Any]:
    """Before scheduling: this campaign's effect over the next ``days`` days, per shop-local week (Monday
    first): its messages, SMS segments, e-mails and cost, and the other messages it defers, drops or
    cancels (``affected``: each with its fate with and without the campaign). The forecast is played without
    and with it (a draft as if scheduled now); nothing is written."""
    effect = campaign_effect(session, settings, campaign_id, start=utcnow(), days=days)
    return effect.as_dict()

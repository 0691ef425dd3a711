"""The holiday calendar (public, commercial and store days) and the shop's own store days."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Query, Response, status

from api.deps import AnyUser, MarketingUser, SessionDep, SettingsDep
from api.routing import api_router
from loyalty.core.clock import utcnow
from loyalty.core.zones import local_date
from loyalty.holidays import store_days
from loyalty.holidays.calendar import holidays_for
from loyalty.holidays.schemas import HolidayPublic, StoreDayCreate, StoreDayPublic

router = api_router(prefix="/holidays", tags=["holidays"])


@router.get("", response_model=list[HolidayPublic])
def list_holidays(
    session: SessionDep,
    settings: SettingsDep,
    _user: AnyUser,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    country: str | None = None,
    lang: str | None = None,
) -> list[dict[str, Any]]:
    """Defaults: this year in the shop's time zone, the shop's country and locale."""
    year = year or local_date(utcnow(), settings.timezone).year
    found = holidays_for(year, country or settings.country, lang or settings.locale, session)
    return [asdict(h) for h in found]


@router.post("/store-days", status_code=status.HTTP_201_CREATED, response_model=StoreDayPublic)
def add_store_day(
    data: StoreDayCreate, session: SessionDep, settings: SettingsDep, user: MarketingUser
) -> StoreDayPublic:
    row = store_days.add_store_day(session, data, actor=f"user:{user.username}", country=settings.country)
    view = StoreDayPublic.model_validate(row, from_attributes=True)
    session.commit()
    return view


@router.get("/store-days", response_model=list[StoreDayPublic])
def list_store_days(session: SessionDep, _user: AnyUser) -> list[StoreDayPublic]:
    return [
        StoreDayPublic.model_validate(r, from_attributes=True) for r in store_days.list_store_days(session)
    ]


@router.delete("/store-days/{key}", status_code=status.HTTP_204_NO_CONTENT)
def delete_store_day(key: str, session: SessionDep, _user: MarketingUser) -> Response:
    store_days.delete_store_day(session, key)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)

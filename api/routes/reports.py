"""Reports: NPS overall and per store, campaign, segment or month (marketing and admin), and the detractors'
comments with their follow-up, which counter staff may set too."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Query, Response

from api.deps import AnyUser, IdPath, MarketingUser, SessionDep, SettingsDep
from api.routing import api_router
from loyalty.campaigns import charts, nps
from loyalty.campaigns.schemas import DetractorComment, FollowUpIn, NpsReport
from loyalty.core.languages import Language

router = api_router(tags=["reports"])
GroupBy = Literal["store", "campaign", "segment", "month"]


@router.get("/reports/nps", response_model=NpsReport)
def nps_report(
    session: SessionDep,
    settings: SettingsDep,
    _user: MarketingUser,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    group_by: GroupBy = "month",
    lang: Language = "tr",
) -> NpsReport:
    """``from``/``to``: local dates, inclusive (default: the last 12 months)."""
    return nps.nps_report(
        session,
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
        timezone_name=settings.timezone,
        lang=lang,
    )


@router.get("/reports/nps/chart.svg", response_class=Response)
def nps_chart(
    session: SessionDep,
    settings: SettingsDep,
    _user: MarketingUser,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    lang: Language = "tr",
    width: Annotated[int, Query(ge=300, le=1600)] = charts.WIDTH,
) -> Response:
    """The NPS per month as a self-contained SVG (every month of the range; one without responses is a
    gap)."""
    report = nps.nps_report(
        session,
        date_from=date_from,
        date_to=date_to,
        group_by="month",
        timezone_name=settings.timezone,
        lang=lang,
    )
    trend = nps.monthly_trend(report, lang)
    return Response(charts.nps_chart(trend, lang=lang, width=width), media_type="image/svg+xml")


@router.get("/reports/detractors", response_model=list[DetractorComment])
def detractors(
    session: SessionDep,
    settings: SettingsDep,
    _user: AnyUser,
    followup: Literal["open", "contacted", "resolved", "all"] = "open",
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
) -> list[DetractorComment]:
    return nps.detractor_comments(
        session,
        followup=None if followup == "all" else followup,
        date_from=date_from,
        date_to=date_to,
        timezone_name=settings.timezone,
    )


@router.patch("/feedback/{feedback_id}/followup", response_model=DetractorComment)
def set_followup(
    feedback_id: IdPath, data: FollowUpIn, session: SessionDep, user: AnyUser
) -> DetractorComment:
    comment = nps.set_followup(
        session, feedback_id, data.followup, note=data.note, actor=f"user:{user.username}"
    )
    session.commit()
    return comment

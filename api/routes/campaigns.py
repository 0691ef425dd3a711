"""Campaigns (marketing and admin): create, list, show with runs and results, preview, test send, overlaps,
schedule, cancel; results as a chart, a CSV and year over year."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response, status

from api.deps import IdPath, MarketingUser, SessionDep, SettingsDep
from api.routing import api_router
from loyalty.campaigns import charts, lifecycle, preview, results, trial_send, views
from loyalty.campaigns.schemas import (
    CampaignCreate,
    CampaignCreated,
    CampaignDetail,
    CampaignPreview,
    CampaignPublic,
    CopyIn,
    CopyUpdate,
    OverlapReport,
    SampleMessage,
    TestSendIn,
    TestSendOut,
    YearOverYear,
)
from loyalty.campaigns.stats import campaign_stats
from loyalty.core.clock import utcnow
from loyalty.core.languages import Language
from loyalty.core.zones import zone_of
from loyalty.delivery.overlap_forecast import overlaps_forecast

router = api_router(tags=["campaigns"])
SVG = "image/svg+xml"
ChartWidth = Annotated[int, Query(ge=300, le=1600)]


@router.post("/campaigns", status_code=status.HTTP_201_CREATED, response_model=CampaignCreated)
def create_campaign(
    data: CampaignCreate, session: SessionDep, settings: SettingsDep, user: MarketingUser
) -> CampaignCreated:
    """``scheduled_for`` is the first send instant (UTC) at the local send time in the shop's zone;
    each member gets it at that local time in their own zone."""
    campaign = lifecycle.create_campaign(session, data, settings=settings, actor=f"user:{user.username}")
    view = views.campaign_public(session, campaign, timezone_name=settings.timezone)
    zone = zone_of(settings.timezone)
    runs = [views.run_public(r, zone) for r in lifecycle.campaign_runs(session, campaign.id or 0)]
    session.commit()
    return CampaignCreated(**view.model_dump(), runs=runs)


@router.get("/campaigns", response_model=list[CampaignPublic])
def list_campaigns(
    session: SessionDep, settings: SettingsDep, _user: MarketingUser, status: str | None = None
) -> list[CampaignPublic]:
    found = lifecycle.list_campaigns(session, status=status)
    return [views.campaign_public(session, c, timezone_name=settings.timezone) for c in found]


@router.get("/campaigns/{campaign_id}", response_model=CampaignDetail)
def show_campaign(
    campaign_id: IdPath, session: SessionDep, settings: SettingsDep, _user: MarketingUser
) -> CampaignDetail:
    return views.campaign_detail(session, campaign_id, timezone_name=settings.timezone)


@router.post("/campaigns/copy-preview", response_model=SampleMessage)
def preview_copy(data: CopyIn, settings: SettingsDep, _user: MarketingUser) -> SampleMessage:
    """Marketing's text as they type it, as a member reads it, with parts and cost per route."""
    today = utcnow().astimezone(zone_of(settings.timezone)).date()
    return preview.preview_copy(data, settings, today=today)


@router.put("/campaigns/{campaign_id}/copy", response_model=CampaignPublic)
def set_copy(
    campaign_id: IdPath, data: CopyUpdate, session: SessionDep, settings: SettingsDep, _user: MarketingUser
) -> CampaignPublic:
    """A draft's own words per language and channel (null: back to the default texts)."""
    campaign = lifecycle.set_copy(session, campaign_id, data.message_copy)
    view = views.campaign_public(session, campaign, timezone_name=settings.timezone)
    session.commit()
    return view


@router.post("/campaigns/{campaign_id}/preview", response_model=CampaignPreview)
def preview_campaign(
    campaign_id: IdPath, session: SessionDep, settings: SettingsDep, _user: MarketingUser
) -> CampaignPreview:
    return preview.preview_campaign(session, campaign_id, settings=settings)


@router.post("/campaigns/{campaign_id}/schedule", response_model=CampaignPublic)
def schedule_campaign(
    campaign_id: IdPath, session: SessionDep, settings: SettingsDep, _user: MarketingUser
) -> CampaignPublic:
    """A draft (created with ``"draft": true``) goes live."""
    campaign = lifecycle.schedule_campaign(session, campaign_id, settings=settings)
    view = views.campaign_public(session, campaign, timezone_name=settings.timezone)
    session.commit()
    return view


@router.post("/campaigns/{campaign_id}/cancel", response_model=CampaignPublic)
def cancel_campaign(
    campaign_id: IdPath, session: SessionDep, settings: SettingsDep, user: MarketingUser
) -> CampaignPublic:
    campaign = lifecycle.cancel_campaign(session, campaign_id, actor=f"user:{user.username}")
    view = views.campaign_public(session, campaign, timezone_name=settings.timezone)
    session.commit()
    return view


# ---- issue 13: test send, overlaps, charts, export, year over year


@router.post(
    "/campaigns/{campaign_id}/test", status_code=status.HTTP_202_ACCEPTED, response_model=list[TestSendOut]
)
def test_send(
    campaign_id: IdPath, data: TestSendIn, session: SessionDep, settings: SettingsDep, user: MarketingUser
) -> list[TestSendOut]:
    """Queue the campaign's real message, marked as a test, to ``phone`` and/or ``email`` on the campaign's
    channel(s): no coupon issued (a sample code), counted in no statistic; the worker sends it."""
    sent = trial_send.send_test(
        session,
        campaign_id,
        phone=data.phone,
        email=data.email,
        locale=data.locale,
        actor=f"user:{user.username}",
        settings=settings,
    )
    out = [
        TestSendOut(
            id=m.id or 0,
            channel=m.channel,
            to=m.to_address or "",
            state=m.state,
            category=m.category,
            purpose=m.purpose,
        )
        for m in sent
    ]
    session.commit()
    return out


@router.get("/campaigns/{campaign_id}/overlaps", response_model=OverlapReport)
def campaign_overlaps(
    campaign_id: IdPath, session: SessionDep, settings: SettingsDep, _user: MarketingUser
) -> OverlapReport:
    """Other campaigns for the same holiday or sharing members within a frequency-cap window, and what the
    cap will do, played by the forecast up to a cap window after the send: this campaign's members it
    defers or drops, the other messages (campaigns' and members' own) this campaign defers, drops or
    cancels. Nothing is written (savepoints rolled back)."""
    return overlaps_forecast(session, campaign_id, settings=settings)


@router.get("/campaigns/{campaign_id}/chart.svg", response_class=Response)
def campaign_chart(
    campaign_id: IdPath,
    session: SessionDep,
    settings: SettingsDep,
    _user: MarketingUser,
    lang: Annotated[Language, Query()] = "tr",
    width: ChartWidth = charts.WIDTH,
) -> Response:
    """Sent, delivered, failed, redeemed and revenue per local day: a self-contained SVG (no script);
    ``width`` in pixels (a phone asks for its own, so the text keeps its size)."""
    lifecycle.get_campaign(session, campaign_id)
    stats = campaign_stats(session, campaign_id, timezone_name=settings.timezone)
    return Response(charts.results_chart(stats.per_day, lang=lang, width=width), media_type=SVG)


@router.get("/campaigns/{campaign_id}/results.csv", response_class=Response)
def campaign_results_csv(
    campaign_id: IdPath, session: SessionDep, settings: SettingsDep, _user: MarketingUser
) -> Response:
    lifecycle.get_campaign(session, campaign_id)
    stats = campaign_stats(session, campaign_id, timezone_name=settings.timezone)
    return Response(
        results.results_csv(stats),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id}-results.csv"'},
    )


@router.get("/campaigns/{campaign_id}/compare", response_model=YearOverYear)
def campaign_year_over_year(campaign_id: IdPath, session: SessionDep, _user: MarketingUser) -> YearOverYear:
    """The same holiday's campaigns, run by run, by year."""
    return results.year_over_year(session, campaign_id)


@router.get("/campaigns/{campaign_id}/compare.svg", response_class=Response)
def campaign_year_chart(
    campaign_id: IdPath,
    session: SessionDep,
    _user: MarketingUser,
    lang: Annotated[Language, Query()] = "tr",
    width: ChartWidth = charts.WIDTH,
) -> Response:
    years = results.year_over_year(session, campaign_id).years
    return Response(charts.year_chart(years, lang=lang, width=width), media_type=SVG)

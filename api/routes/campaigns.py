"""Campaigns (marketing and admin): create, list, show with runs and results, preview, schedule, cancel."""

from __future__ import annotations

from fastapi import status

from api.deps import IdPath, MarketingUser, SessionDep, SettingsDep
from api.routing import api_router
from loyalty.campaigns import lifecycle, preview, views
from loyalty.campaigns.schemas import (
    CampaignCreate,
    CampaignCreated,
    CampaignDetail,
    CampaignPreview,
    CampaignPublic,
)
from loyalty.core.zones import zone_of

router = api_router(tags=["campaigns"])


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

"""Members: register at the counter, find (phone, name, card), read, edit, and the consent ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, status

from api.deps import AnyUser, IdPath, SessionDep, SettingsDep, StaffUser
from api.routing import api_router
from loyalty.core.clock import utcnow
from loyalty.counter.overview import member_detail_public, recent_messages, recent_purchases
from loyalty.counter.search import search_members
from loyalty.members.consent import consent_history, record_consent
from loyalty.members.registration import get_member, register_member, update_member
from loyalty.members.schemas import (
    ConsentChange,
    ConsentEventPublic,
    MemberCreate,
    MemberPublic,
    MemberUpdate,
    consent_event_public,
    member_public,
)
from loyalty.models.users import User
from loyalty.purchases.card_rule import CardRule
from loyalty.purchases.schemas import MemberDetail, MessageLine, PurchaseLine

router = api_router(tags=["members"])


def _actor(user: User) -> str:
    return f"user:{user.username}"


@router.post("/members", status_code=status.HTTP_201_CREATED, response_model=MemberPublic)
def register(data: MemberCreate, session: SessionDep, settings: SettingsDep, user: StaffUser) -> MemberPublic:
    """Register a member with their consent. The phone may be written in any common form; the same
    phone again answers 409 with ``member_id`` and ``member`` naming who already has it."""
    member = register_member(
        session,
        data,
        actor=_actor(user),
        default_timezone=settings.timezone,
        default_locale=settings.locale,
        created_by_user_id=user.id,
        region=settings.country,
    )
    view = member_public(member, settings.country)
    session.commit()
    return view


@router.get("/members", response_model=list[MemberPublic])
def search(
    session: SessionDep,
    settings: SettingsDep,
    _user: AnyUser,
    phone: str | None = None,
    q: Annotated[str | None, Query(description="name; Turkish case folding, every word must match")] = None,
    card: Annotated[str | None, Query(description="card number (spaces and hyphens allowed)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[MemberPublic]:
    found = search_members(session, phone=phone, q=q, card=card, limit=limit, region=settings.country)
    return [member_public(m, settings.country) for m in found]


@router.get("/members/{member_id}", response_model=MemberDetail)
def read(member_id: IdPath, session: SessionDep, settings: SettingsDep, _user: AnyUser) -> MemberDetail:
    """The member, with ``card_progress``: visits (distinct local days with a purchase) toward the card."""
    member = get_member(session, member_id)
    rule = CardRule.from_settings(settings)
    return member_detail_public(session, member, rule, region=settings.country, now=utcnow())


@router.get("/members/{member_id}/purchases", response_model=list[PurchaseLine])
def purchases(
    member_id: IdPath, session: SessionDep, _user: AnyUser, limit: Annotated[int, Query(ge=1, le=200)] = 10
) -> list[PurchaseLine]:
    """The member's latest purchases, newest first, each with the coupon redeemed with it."""
    get_member(session, member_id)
    return recent_purchases(session, member_id, limit)


@router.get("/members/{member_id}/messages", response_model=list[MessageLine])
def messages(
    member_id: IdPath, session: SessionDep, _user: AnyUser, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> list[MessageLine]:
    """The messages queued or sent to the member, newest first, with their state, fate and reason."""
    get_member(session, member_id)
    return recent_messages(session, member_id, limit)


@router.patch("/members/{member_id}", response_model=MemberPublic)
def update(
    member_id: IdPath, data: MemberUpdate, session: SessionDep, settings: SettingsDep, user: StaffUser
) -> MemberPublic:
    member = update_member(session, member_id, data, actor=_actor(user), region=settings.country)
    view = member_public(member)
    session.commit()
    return view


@router.post("/members/{member_id}/consent", response_model=MemberPublic)
def change_consent(
    member_id: IdPath, data: ConsentChange, session: SessionDep, user: StaffUser
) -> MemberPublic:
    """Grant or revoke one channel; it takes effect at once and is written to the ledger."""
    member = get_member(session, member_id)
    actor = _actor(user)
    record_consent(session, member, data.channel, data.granted, source=data.source, actor=actor)
    view = member_public(member)
    session.commit()
    return view


@router.get("/members/{member_id}/consent", response_model=list[ConsentEventPublic])
def consent_ledger(member_id: IdPath, session: SessionDep, _user: AnyUser) -> list[ConsentEventPublic]:
    """The member's consent ledger, oldest first (channel, granted, source, actor, time)."""
    return [consent_event_public(e) for e in consent_history(session, member_id)]

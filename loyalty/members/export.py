"""KVKK export: everything the shop keeps about one member, as JSON-ready values."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, SQLModel, col, select

from loyalty.core.clock import utcnow
from loyalty.members.registration import get_member
from loyalty.models.cards import Card
from loyalty.models.coupons import Coupon, CouponRedemption
from loyalty.models.members import ConsentEvent
from loyalty.models.messages import Message
from loyalty.models.occasions import Occasion
from loyalty.models.purchases import Feedback, Purchase
from loyalty.models.shop import MemberRequest
from loyalty.models.stores import Store

EXPORT_VERSION = 1
_INTERNAL = {
    "name_search",
    "created_by_user_id",
    "needs_reconcile",
    "lease_until",
    "claim_token",
    "email_link_version",
    "dedupe_key",
}


def _rows(session: Session, model: type[SQLModel], where: Any, order: Any) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in row.model_dump(mode="json", warnings=False).items() if k not in _INTERNAL}
        for row in session.exec(select(model).where(where).order_by(order)).all()
    ]


def member_export(session: Session, member_id: int) -> dict[str, Any]:
    """Profile, consent ledger, purchases, feedback, cards, coupons with their redemptions, occasions,
    messages and requests (NotFound for an unknown or erased member)."""
    member = get_member(session, member_id)
    profile = {k: v for k, v in member.model_dump(mode="json", warnings=False).items() if k not in _INTERNAL}
    store = session.get(Store, member.home_store_id) if member.home_store_id else None
    profile["home_store"] = {"id": store.id, "code": store.code, "name": store.name} if store else None
    coupon_ids = select(Coupon.id).where(Coupon.member_id == member_id)
    return {
        "export_version": EXPORT_VERSION,
        "exported_at": utcnow().isoformat(),
        "profile": profile,
        "consent": _rows(session, ConsentEvent, ConsentEvent.member_id == member_id, col(ConsentEvent.id)),
        "purchases": _rows(session, Purchase, Purchase.member_id == member_id, col(Purchase.id)),
        "feedback": _rows(session, Feedback, Feedback.member_id == member_id, col(Feedback.id)),
        "cards": _rows(session, Card, Card.member_id == member_id, col(Card.id)),
        "coupons": _rows(session, Coupon, Coupon.member_id == member_id, col(Coupon.id)),
        "redemptions": _rows(
            session,
            CouponRedemption,
            col(CouponRedemption.coupon_id).in_(coupon_ids),
            col(CouponRedemption.id),
        ),
        "occasions": _rows(session, Occasion, Occasion.member_id == member_id, col(Occasion.id)),
        "messages": _rows(session, Message, Message.member_id == member_id, col(Message.id)),
        "requests": _rows(
            session, MemberRequest, MemberRequest.member_id == member_id, col(MemberRequest.id)
        ),
    }

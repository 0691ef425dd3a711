"""What the pages show about one member, across the domain packages (this level sees them all).

The counter's member panel (card progress, recent purchases, messages sent) and the member's own page
(``/m/{token}``): their name, card, coupons, visits toward a card, consent, pause and occasions.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel
from sqlmodel import Session, col, select

from loyalty.cards.issuing import current_card
from loyalty.cards.pdf import qr_data_uri
from loyalty.cards.schemas import CardPublic, card_public
from loyalty.core.zones import local_date
from loyalty.coupons.codes import format_code
from loyalty.coupons.lookup import active_coupons
from loyalty.coupons.schemas import CouponSummary
from loyalty.coupons.views import coupon_summary
from loyalty.members.schemas import ConsentChoice, member_public
from loyalty.messaging.fates import fate_of, last_deferrals
from loyalty.messaging.pass_updates import WALLET_EVENT
from loyalty.models.cards import CardStatus
from loyalty.models.coupons import Coupon, CouponRedemption, RedemptionAction
from loyalty.models.members import Member
from loyalty.models.messages import Message, MessageEvent
from loyalty.models.purchases import Purchase
from loyalty.occasions.registry import list_occasions, occasion_public
from loyalty.occasions.schemas import OccasionPublic
from loyalty.purchases.card_rule import CardProgress, CardRule, card_progress
from loyalty.purchases.schemas import MemberDetail, MessageLine, PurchaseLine, purchase_public


def member_detail_public(
    session: Session, member: Member, rule: CardRule, *, region: str, now: datetime
) -> MemberDetail:
    return MemberDetail(
        **member_public(member, region).model_dump(),
        card_progress=card_progress(session, member, rule, now),
    )


def recent_purchases(session: Session, member_id: int, limit: int = 10) -> list[PurchaseLine]:
    """The member's latest purchases, newest first, each with the coupon redeemed with it."""
    purchases = session.exec(
        select(Purchase)
        .where(Purchase.member_id == member_id)
        .order_by(col(Purchase.occurred_at).desc(), col(Purchase.id).desc())
        .limit(limit)
    ).all()
    ids = [p.id for p in purchases]
    used: dict[int, tuple[str, Decimal | None]] = {}
    if ids:
        rows = session.exec(
            select(CouponRedemption, Coupon)
            .join(Coupon, col(Coupon.id) == col(CouponRedemption.coupon_id))
            .where(
                col(CouponRedemption.purchase_id).in_(ids),
                CouponRedemption.action == RedemptionAction.redeem,
            )
        ).all()
        used = {r.purchase_id: (c.code, r.discount) for r, c in rows if r.purchase_id is not None}
    lines = []
    for p in purchases:
        code, discount = used.get(p.id or 0, (None, None))
        lines.append(
            PurchaseLine(
                **purchase_public(p).model_dump(),
                coupon_code=format_code(code) if code else None,
                discount=discount,
            )
        )
    return lines


def recent_messages(session: Session, member_id: int, limit: int = 20) -> list[MessageLine]:
    """The member's latest messages (any state), newest first, each with its fate and reason."""
    found = session.exec(
        select(Message)
        .where(Message.member_id == member_id)
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(limit)
    ).all()
    deferrals = last_deferrals(session, [m.id or 0 for m in found])
    on_wallet = set(
        session.exec(
            select(MessageEvent.message_id).where(
                col(MessageEvent.message_id).in_([m.id or 0 for m in found]),
                MessageEvent.state == WALLET_EVENT,
            )
        ).all()
    )
    lines = []
    for m in found:
        deferral = deferrals.get(m.id or 0)
        fate = fate_of(str(m.state), m.error_message, deferral is not None)
        reason = m.error_message if fate in ("cancelled", "dropped", "failed") else None
        lines.append(
            MessageLine(
                id=m.id or 0,
                channel=str(m.channel),
                purpose=m.purpose,
                category=str(m.category),
                state=str(m.state),
                created_at=m.created_at,
                sent_at=m.sent_at,
                delivered_at=m.delivered_at,
                fate=fate,
                reason=reason or (deferral if fate == "deferred" else None),
                not_before=m.not_before,
                updated_at=m.updated_at,
                wallet=(m.id or 0) in on_wallet,
            )
        )
    return lines


class SelfMember(BaseModel):
    full_name: str
    locale: str
    has_email: bool
    email: str | None
    consent: ConsentChoice
    paused: bool
    paused_until: datetime | None
    paused_through: date | None  # the last paused day in the member's zone, as they chose it


class SelfPage(BaseModel):
    member: SelfMember
    occasions: list[OccasionPublic]
    card: CardPublic | None
    card_qr: str | None  # the card number's QR code (an SVG data URI), for an active card
    coupons: list[CouponSummary]
    card_progress: CardProgress


def paused_through(member: Member) -> date | None:
    """The last local day of a pause: it ends when the next day begins, so that is the day before."""
    if member.paused_until is None:
        return None
    return local_date(member.paused_until - timedelta(microseconds=1), member.timezone)


def member_page(session: Session, member: Member, rule: CardRule, now: datetime) -> SelfPage:
    assert member.id is not None
    found = list_occasions(session, member.id)
    card = current_card(session, member.id)
    return SelfPage(
        member=SelfMember(
            full_name=member.full_name,
            locale=member.locale,
            has_email=bool(member.email),
            email=member.email,
            consent=ConsentChoice(sms=member.sms_opt_in, email=member.email_opt_in),
            paused=member.paused,
            paused_until=member.paused_until,
            paused_through=paused_through(member),
        ),
        occasions=[occasion_public(session, o) for o in found],
        card=card_public(card) if card is not None else None,
        card_qr=qr_data_uri(card.number) if card is not None and card.status == CardStatus.active else None,
        coupons=[coupon_summary(c) for c in active_coupons(session, member.id, now)],
        card_progress=card_progress(session, member, rule, now),
    )

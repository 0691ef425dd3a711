"""What a wallet pass shows, as plain values read from the member's card, coupons, occasions and the stores:
one source for the Apple pass and the Google Wallet object."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from loyalty.cards.numbers import format_card_number
from loyalty.core.i18n import gettext
from loyalty.core.languages import language_of
from loyalty.core.zones import local_date
from loyalty.coupons.codes import format_code
from loyalty.coupons.lookup import active_coupons
from loyalty.messaging.templates import offer_phrase
from loyalty.messaging.wording import occasion_phrase, short_day
from loyalty.models.cards import Card, CardStatus
from loyalty.models.coupons import Coupon
from loyalty.models.members import Member
from loyalty.models.occasions import Occasion, OccasionStatus
from loyalty.models.stores import Store
from loyalty.models.wallet import WalletPass
from loyalty.occasions.recurrence import next_occurrence


@dataclass(frozen=True)
class CouponLine:
    coupon_id: int
    code: str  # grouped for people: XXXX-XXXX-XXX
    offer: str  # "%15 indirim" / "15% off"
    until: str  # the last day it is good, in the member's zone, as people write it
    last_day: date

    def line(self, lang: str) -> str:
        return gettext("wallet.pass.coupon_line", lang, offer=self.offer, code=self.code, until=self.until)


@dataclass(frozen=True)
class StorePoint:
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class PassContent:
    serial: str
    auth_token: str
    lang: str
    shop_name: str
    holder_name: str
    card_number: str  # the value the counter scans: the card's digits, as on the printed card's QR
    number_display: str
    voided: bool  # the card was replaced, revoked or rejected (an erased member's card is revoked)
    coupons: tuple[CouponLine, ...]
    announced: CouponLine | None  # the newest coupon announced on the lock screen, while still good
    next_occasion: str | None  # "doğum gününüz · 9 Mayıs"
    stores: tuple[StorePoint, ...]
    updated_at: datetime

    def sections(self) -> list[tuple[str, str, str]]:
        """The pass's text sections as (key, heading, text), in order: the coupons (or that there are none),
        the next occasion and the stores when there are any. Apple puts them on the back of the pass, Google
        Wallet in its text modules."""
        lang = self.lang
        coupons = "\n".join(c.line(lang) for c in self.coupons) or gettext("wallet.pass.no_coupons", lang)
        found = [("coupons", gettext("wallet.pass.coupons", lang), coupons)]
        if self.next_occasion:
            found.append(("occasion", gettext("wallet.pass.occasion", lang), self.next_occasion))
        if self.stores:
            names = "\n".join(s.name for s in self.stores)
            found.append(("stores", gettext("wallet.pass.stores", lang), names))
        return found


def coupon_line(coupon: Coupon, member: Member, lang: str) -> CouponLine:
    last_day = local_date(coupon.expires_at - timedelta(microseconds=1), member.timezone)
    return CouponLine(
        coupon_id=coupon.id or 0,
        code=format_code(coupon.code),
        offer=offer_phrase(coupon.offer_kind, coupon.offer_value, lang, coupon.currency),
        until=short_day(last_day, lang),
        last_day=last_day,
    )


def next_occasion(session: Session, member: Member, lang: str, now: datetime) -> str | None:
    """The member's nearest coming occasion, in words, with its day."""
    today = local_date(now, member.timezone)
    found = session.exec(
        select(Occasion).where(Occasion.member_id == member.id, Occasion.status == OccasionStatus.active)
    ).all()
    dated = [(day, o) for o in found if (day := next_occurrence(o, today)) is not None]
    if not dated:
        return None
    day, occasion = min(dated, key=lambda pair: (pair[0], pair[1].id or 0))
    phrase = occasion_phrase(occasion.kind, occasion.for_whom, occasion.relation_name, lang)
    return f"{phrase[:1].upper()}{phrase[1:]} · {short_day(day, lang)}"


def store_points(session: Session) -> tuple[StorePoint, ...]:
    """The stores that have coordinates (Apple shows at most 10 locations)."""
    stores = session.exec(
        select(Store)
        .where(col(Store.latitude).is_not(None), col(Store.longitude).is_not(None))
        .order_by(col(Store.id))
    ).all()
    return tuple(StorePoint(s.name, float(s.latitude or 0), float(s.longitude or 0)) for s in stores[:10])


def pass_content(session: Session, wallet_pass: WalletPass, *, shop_name: str, now: datetime) -> PassContent:
    card = session.get(Card, wallet_pass.card_id)
    member = session.get(Member, wallet_pass.member_id)
    assert card is not None and member is not None
    lang = language_of(member.locale)
    voided = card.status != CardStatus.active or member.erased_at is not None
    coupons = (
        ()
        if voided
        else tuple(coupon_line(c, member, lang) for c in active_coupons(session, member.id or 0, now))
    )
    announced = next((c for c in coupons if c.coupon_id == wallet_pass.announced_coupon_id), None)
    return PassContent(
        serial=wallet_pass.serial,
        auth_token=wallet_pass.auth_token,
        lang=lang,
        shop_name=shop_name,
        holder_name=card.holder_name,
        card_number=card.number,
        number_display=format_card_number(card.number),
        voided=voided,
        coupons=coupons,
        announced=announced,
        next_occasion=None if voided else next_occasion(session, member, lang, now),
        stores=store_points(session),
        updated_at=wallet_pass.updated_at,
    )

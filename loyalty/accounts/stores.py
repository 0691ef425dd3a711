"""The shop's stores (branches): name, code and time zone."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlmodel import Session, col, func, select

from loyalty.core.errors import Conflict, Invalid
from loyalty.core.zones import is_known_zone
from loyalty.models.coupons import CouponRedemption, RedemptionAction
from loyalty.models.members import Member
from loyalty.models.purchases import Purchase
from loyalty.models.stores import Store, store_or_404

CODE = re.compile(r"^[A-Za-z0-9ÇĞİÖŞÜçğıöşü_-]{1,32}$")  # Turkish letters too: "ÜSKÜDAR" is a code


def _name(raw: str | None) -> str:
    name = " ".join((raw or "").split())
    if not name or len(name) > 200:
        raise Invalid("name", "accounts.name_1_200_characters")
    return name


def _zone(raw: str) -> str:
    if not is_known_zone(raw):
        raise Invalid("timezone", "common.unknown_time_zone", raw=repr(raw))
    return raw


_ASCII = str.maketrans("ıİğĞüÜşŞöÖçÇâÂîÎûÛ", "iIgGuUsSoOcCaAiIuU")


def _code_from(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.translate(_ASCII).lower()).strip("-")[:32] or "store"


def _unique_code(session: Session, code: str, store_id: int | None = None) -> str:
    if not CODE.match(code):
        raise Invalid("code", "accounts.code_1_32_letters_turkish")
    other = session.exec(select(Store).where(Store.code == code)).first()
    if other is not None and other.id != store_id:
        raise Conflict("accounts.store_code_taken", code=repr(code), extra={"store_id": other.id})
    return code


def list_stores(session: Session) -> list[Store]:
    return list(session.exec(select(Store).order_by(col(Store.name), col(Store.id))).all())


def get_store(session: Session, store_id: int) -> Store:
    return store_or_404(session, store_id)


def create_store(
    session: Session,
    name: str,
    timezone: str,
    code: str | None = None,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Store:
    clean = _name(name)
    store = Store(
        name=clean,
        timezone=_zone(timezone),
        code=_unique_code(session, (code or "").strip() or _code_from(clean)),
        latitude=latitude,
        longitude=longitude,
    )
    session.add(store)
    session.flush()
    return store


def update_store(
    session: Session,
    store_id: int,
    *,
    name: str | None = None,
    timezone: str | None = None,
    code: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Store:
    store = get_store(session, store_id)
    if latitude is not None:
        store.latitude = latitude
    if longitude is not None:
        store.longitude = longitude
    if name is not None:
        store.name = _name(name)
    if timezone is not None:
        store.timezone = _zone(timezone)
    if code is not None:
        store.code = _unique_code(session, code.strip(), store.id)
    session.add(store)
    session.flush()
    return store


def store_figures(session: Session, store_id: int) -> tuple[Store, int, Decimal, int, int]:
    """(store, purchases, revenue, redemptions, home members) recorded for one store."""
    store = get_store(session, store_id)
    purchases, revenue = session.exec(
        select(func.count(), func.coalesce(func.sum(Purchase.amount), 0)).where(Purchase.store_id == store_id)
    ).one()
    redeemed = session.exec(
        select(func.count()).where(
            CouponRedemption.store_id == store_id, CouponRedemption.action == RedemptionAction.redeem
        )
    ).one()
    members = session.exec(select(func.count()).where(Member.home_store_id == store_id)).one()
    return store, int(purchases), Decimal(revenue), int(redeemed), int(members)

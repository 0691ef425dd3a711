"""The stores (branches) table, and the one check that a store id given with other input exists.

The check lives beside the table because every package that takes a store id (purchases, members, coupons,
accounts) may read models but not each other."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Session, SQLModel

from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime
from loyalty.core.errors import Invalid, NotFound


class StoreBase(SQLModel):
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    timezone: str = Field(default="Europe/Istanbul", max_length=64)
    # where it is (WGS 84 degrees): a wallet pass shows itself on the lock screen near a store that has them
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class Store(StoreBase, table=True):
    __tablename__ = "stores"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def known_store(session: Session, store_id: int, field: str = "store_id") -> Store:
    """The store ``store_id`` given with other input; ``Invalid(field)`` when there is none."""
    store = session.get(Store, store_id)
    if store is None:
        raise Invalid(field, "common.store_unknown", store_id=store_id)
    return store


def store_or_404(session: Session, store_id: int) -> Store:
    """The store a request is about (its id in the path); ``NotFound`` when there is none."""
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound("common.store_unknown", store_id=store_id)
    return store

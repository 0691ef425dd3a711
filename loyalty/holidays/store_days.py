"""The shop's own days (an anniversary...): yearly or for one year, with keys that never clash with public
or commercial ones."""

from __future__ import annotations

import calendar
import re
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from loyalty.core.errors import Conflict, Invalid, NotFound
from loyalty.holidays.commercial import COMMERCIAL_KEYS
from loyalty.holidays.keys import TR_PUBLIC_KEYS, slugify
from loyalty.holidays.schemas import HolidayInfo, StoreDayCreate
from loyalty.models.holidays import HolidayKind, StoreDay


def store_days_in(session: Session, year: int, lang: str) -> list[HolidayInfo]:
    rows = session.exec(
        select(StoreDay).where(sa.or_(col(StoreDay.year).is_(None), col(StoreDay.year) == year))
    ).all()
    out = []
    for row in rows:
        day = row.day
        if (row.month, row.day) == (2, 29) and not calendar.isleap(year):
            day = 28  # a yearly Feb 29 is kept on Feb 28 in common years
        name = (row.name_en or row.name_tr) if lang == "en" else row.name_tr
        out.append(HolidayInfo(row.key, name, date(year, row.month, day), 1, HolidayKind.store))
    return out


_KEY = re.compile(r"^[a-z0-9][a-z0-9_]{1,63}$")


def add_store_day(session: Session, data: StoreDayCreate, *, actor: str, country: str = "TR") -> StoreDay:
    """A shop's own day (anniversary, ...): yearly when ``year`` is None, else that year only."""
    name_tr = " ".join(data.name_tr.split())
    if not name_tr or len(name_tr) > 120:
        raise Invalid("name_tr", "name_tr is required (at most 120 characters) / Türkçe ad gerekli")
    name_en = " ".join(data.name_en.split())
    if len(name_en) > 120:
        raise Invalid("name_en", "name_en must be at most 120 characters")
    if not 1 <= data.month <= 12:
        raise Invalid("month", "month must be 1-12 / geçersiz ay")
    if data.year is not None and not 1900 <= data.year <= 2200:
        raise Invalid("year", "year is out of range / geçersiz yıl")
    if not 1 <= data.day <= calendar.monthrange(data.year or 2000, data.month)[1]:
        raise Invalid("day", f"{data.month:02d}-{data.day:02d} is not a real date / geçersiz tarih")
    key = data.key.strip().lower() if data.key else slugify(name_tr)[:64]
    if not _KEY.match(key):
        raise Invalid("key", "key must be 2-64 characters of a-z, 0-9 and _ / geçersiz anahtar")
    reserved = COMMERCIAL_KEYS | (TR_PUBLIC_KEYS if country == "TR" else frozenset())
    if key in reserved:
        raise Conflict(f"key {key!r} is already a public or commercial holiday / bu anahtar kullanılıyor")
    if session.exec(select(StoreDay).where(StoreDay.key == key)).first() is not None:
        raise Conflict(f"store day {key!r} already exists / bu mağaza günü zaten var")
    row = StoreDay(
        key=key,
        name_tr=name_tr,
        name_en=name_en,
        month=data.month,
        day=data.day,
        year=data.year,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    return row


def list_store_days(session: Session) -> list[StoreDay]:
    return list(
        session.exec(select(StoreDay).order_by(col(StoreDay.month), col(StoreDay.day), col(StoreDay.key)))
    )


def delete_store_day(session: Session, key: str) -> None:
    row = session.exec(select(StoreDay).where(StoreDay.key == key)).first()
    if row is None:
        raise NotFound(f"store day {key!r} not found")
    session.delete(row)
    session.flush()

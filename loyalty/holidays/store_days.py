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
        raise Invalid("name_tr", "holidays.name_tr_required_most_120")
    name_en = " ".join(data.name_en.split())
    if len(name_en) > 120:
        raise Invalid("name_en", "holidays.name_en_most_120_characters")
    if not 1 <= data.month <= 12:
        raise Invalid("month", "holidays.month_1_12")
    if data.year is not None and not 1900 <= data.year <= 2200:
        raise Invalid("year", "common.year_out_range")
    if not 1 <= data.day <= calendar.monthrange(data.year or 2000, data.month)[1]:
        raise Invalid("day", "common.real_date", month=data.month, day=data.day)
    key = data.key.strip().lower() if data.key else slugify(name_tr)[:64]
    if not _KEY.match(key):
        raise Invalid("key", "holidays.key_2_64_characters_z")
    reserved = COMMERCIAL_KEYS | (TR_PUBLIC_KEYS if country == "TR" else frozenset())
    if key in reserved:
        raise Conflict("holidays.key_already_public_commercial_holiday", key_name=repr(key))
    if session.exec(select(StoreDay).where(StoreDay.key == key)).first() is not None:
        raise Conflict("holidays.store_day_already_exists", key_name=repr(key))
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
        raise NotFound("holidays.store_day_not_found", key_name=repr(key))
    session.delete(row)
    session.flush()

"""TODO docstring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import SQLModel

from loyalty.models.holidays import StoreDayBase


@dataclass(frozen=True)
class HolidayInfo:
    key: str
    name: str
    date: date
    days: int
    kind: str
    estimated: bool = False


class StoreDayCreate(SQLModel):
    name_tr: str
    name_en: str = ""
    month: int
    day: int
    year: int | None = None
    key: str | None = None  # derived from name_tr when omitted


class StoreDayPublic(StoreDayBase):
    id: int

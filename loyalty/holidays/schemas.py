"""Holiday shapes: a calendar entry, and a store day's input and output."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel
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


class HolidayPublic(BaseModel):
    key: str
    name: str
    date: date
    days: int
    kind: str
    estimated: bool

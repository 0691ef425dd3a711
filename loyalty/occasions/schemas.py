"""Occasion input and output for the API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import field_validator
from sqlmodel import SQLModel

from loyalty.models.occasions import OccasionBase

DateType = date  # for models that also have a field named ``date``


class OccasionCreate(SQLModel):
    """Input: ``date`` as ``YYYY-MM-DD`` (or ``MM-DD`` / ``--MM-DD`` when the year is unknown), or the
    separate ``year`` (optional), ``month`` and ``day``."""

    kind: str
    purpose: str
    date: str | None = None
    year: int | None = None
    month: int | None = None
    day: int | None = None
    for_whom: str = "self"
    relation_name: str | None = None
    recurrence: str | None = None
    remind_days_before: int = 3

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_text(cls, value: Any) -> Any:
        return value.isoformat() if isinstance(value, date) else value


class OccasionPublic(OccasionBase):
    id: int
    member_id: int
    date: str  # "1990-05-14", or "--05-14" when the year is unknown
    for_whom_label: str  # the member's own words, for staff: "kızım Elif"
    for_whom_addressed: str  # as the shop says it to the member: "kızınız Elif"
    stated_by: str
    status: str
    retired_at: datetime | None
    created_at: datetime
    next_occurrence: DateType | None

"""The first-run setup: the shop's name, zone, country, card rule and quiet hours, kept in shop_settings.

Precedence (``core.settings.merge_shop_settings``): an environment variable > the stored value > the
built-in default. The API applies a saved change at once; workers read the stored values when they start.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from pydantic import BaseModel
from sqlmodel import Session

from loyalty.core.clock import utcnow
from loyalty.core.errors import Invalid
from loyalty.core.settings import SHOP_FIELDS, Settings, merge_shop_settings
from loyalty.core.zones import is_known_zone
from loyalty.messaging.copy import check_copy
from loyalty.models.shop import ShopSettings

ROW_ID = 1


class ShopSetup(BaseModel):
    """What the first admin sets (PUT: every field; a missing one keeps its stored value)."""

    shop_name: str | None = None
    timezone: str | None = None
    country: str | None = None
    card_visits_needed: int | None = None
    card_window_days: int | None = None
    quiet_hours_start: int | None = None
    quiet_hours_end: int | None = None


class ShopState(ShopSetup):
    """The values in effect, which of them the environment fixes, and whether setup was done."""

    setup_done: bool
    from_environment: list[str]
    public_base_url: str = ""  # where links in messages point; the page warns when it is not where it runs


def _check(data: ShopSetup) -> dict[str, object]:
    values = data.model_dump(exclude_unset=True)
    if "shop_name" in values:
        name = " ".join(str(values["shop_name"] or "").split())
        if not name or len(name) > 200:
            raise Invalid("shop_name", "accounts.shop_name_1_200_characters")
        values["shop_name"] = name
    if "timezone" in values and not is_known_zone(str(values["timezone"] or "")):
        raise Invalid("timezone", "accounts.unknown_time_zone", values=repr(values['timezone']))
    if "country" in values:
        country = str(values["country"] or "").strip().upper()
        if country not in phonenumbers.SUPPORTED_REGIONS:
            raise Invalid("country", "accounts.unknown_country_code_iso_3166", country=repr(country))
        values["country"] = country
    for name, low, high in (
        ("card_visits_needed", 1, 100),
        ("card_window_days", 1, 3650),
        ("quiet_hours_start", 0, 23),
        ("quiet_hours_end", 0, 23),
    ):
        if name in values:
            value = values[name]
            if not isinstance(value, int) or not low <= value <= high:
                raise Invalid(name, "accounts.whole_number_from", name=name, low=low, high=high)
    return values


def save_shop_settings(session: Session, data: ShopSetup) -> ShopSettings:
    """Validate and store the values sent; marks the setup done."""
    values = _check(data)
    row = session.get(ShopSettings, ROW_ID) or ShopSettings(id=ROW_ID)
    for name, value in values.items():
        setattr(row, name, value)
    now = utcnow()
    row.updated_at = now
    row.completed_at = row.completed_at or now
    session.add(row)
    session.flush()
    return row


def stored_values(session: Session) -> dict[str, object]:
    row = session.get(ShopSettings, ROW_ID)
    return {name: getattr(row, name) for name in SHOP_FIELDS} if row is not None else {}


def shop_state(session: Session, base: Settings) -> tuple[ShopState, Settings]:
    """The settings in effect (``base`` with the stored values under it) and the view of them."""
    row = session.get(ShopSettings, ROW_ID)
    effective = merge_shop_settings(base, stored_values(session))
    view = ShopState(
        **{name: getattr(effective, name) for name in SHOP_FIELDS},
        setup_done=row is not None and row.completed_at is not None,
        from_environment=sorted(name for name in SHOP_FIELDS if name in base.model_fields_set),
        public_base_url=effective.public_base_url,
    )
    return view, effective


class MessageCopy(BaseModel):
    """The shop's default campaign words, same shape as a campaign's ``message_copy`` (null: the built-in
    templates). A campaign's own words win over these; see loyalty.messaging.copy for the placeholders."""

    message_copy: dict[str, dict[str, str | None]] | None = None


def default_copy(session: Session) -> dict[str, Any] | None:
    row = session.get(ShopSettings, ROW_ID)
    return row.message_copy if row is not None else None


def save_default_copy(session: Session, data: MessageCopy) -> MessageCopy:
    """Validate (422 naming the placeholder) and store the shop's default words. Flushes."""
    row = session.get(ShopSettings, ROW_ID) or ShopSettings(id=ROW_ID)
    row.message_copy = check_copy(data.message_copy) or None
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return MessageCopy(message_copy=row.message_copy)

"""The first-run setup: the shop's name, zone, country, card rule and quiet hours, kept in shop_settings.

Precedence (``core.settings.merge_shop_settings``): an environment variable > the stored value > the
built-in default. The API applies a saved change at once; workers read the stored values when they start.
"""

from __future__ import annotations

import phonenumbers
from pydantic import BaseModel
from sqlmodel import Session

from loyalty.core.db import utcnow
from loyalty.core.errors import Invalid
from loyalty.core.settings import SHOP_FIELDS, Settings, merge_shop_settings
from loyalty.core.zones import is_known_zone
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


def _check(data: ShopSetup) -> dict[str, object]:
    values = data.model_dump(exclude_unset=True)
    if "shop_name" in values:
        name = " ".join(str(values["shop_name"] or "").split())
        if not name or len(name) > 200:
            raise Invalid("shop_name", "shop name must have 1 to 200 characters / mağaza adı 1-200 karakter")
        values["shop_name"] = name
    if "timezone" in values and not is_known_zone(str(values["timezone"] or "")):
        raise Invalid("timezone", f"unknown time zone {values['timezone']!r} / bilinmeyen saat dilimi")
    if "country" in values:
        country = str(values["country"] or "").strip().upper()
        if country not in phonenumbers.SUPPORTED_REGIONS:
            raise Invalid(
                "country", f"unknown country code {country!r} (ISO 3166, e.g. TR) / bilinmeyen ülke kodu"
            )
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
                raise Invalid(
                    name, f"{name} must be a whole number from {low} to {high} / {low}-{high} arası"
                )
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
    )
    return view, effective

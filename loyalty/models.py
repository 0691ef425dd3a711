"""Imports every table module so ``SQLModel.metadata`` is complete (Alembic and tests use it)."""

from sqlmodel import SQLModel

from loyalty import (  # noqa: F401
    campaigns,
    cards,
    consent,
    coupons,
    feedback,
    heartbeats,
    holidays,
    idempotency,
    login_throttle,
    members,
    messages,
    occasions,
    purchases,
    stores,
    users,
    webhook_receipts,
)

metadata = SQLModel.metadata

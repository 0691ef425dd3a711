"""Imports every table module so ``SQLModel.metadata`` is complete (Alembic and tests use it)."""

from sqlmodel import SQLModel

from loyalty import (  # noqa: F401
    campaigns,
    cards,
    consent,
    coupons,
    feedback,
    holidays,
    idempotency,
    members,
    messages,
    occasions,
    purchases,
    stores,
    users,
)

metadata = SQLModel.metadata

"""The audit log: who changed what, when (written by loyalty.core.audit's flush listener)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_target", "target_type", "target_id", "id"),
        sa.Index("ix_audit_log_actor", "actor", "id"),
        sa.Index("ix_audit_log_at", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=120)  # "user:alice", "cli", ...
    action: str = Field(max_length=16)  # insert, update, delete, import, erase, ...
    target_type: str = Field(max_length=40)  # the table: member, store, user, ...
    target_id: int | None = None
    member_id: int | None = Field(default=None, index=True)  # the member a row belongs to (an occasion's)
    # {column: [old, new]}; personal columns carry no values (see loyalty.core.audit.PERSONAL)
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)

"""The audit log for admins: who changed what, when."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query

from api.deps import AdminUser, SessionDep
from api.routing import api_router
from loyalty.accounts.audit import audit_entries
from loyalty.accounts.schemas import AuditEntryPublic, audit_entry_public
from loyalty.core.db import MAX_ID
from loyalty.core.errors import Invalid

router = api_router(tags=["audit"])


def _target(raw: str | None) -> tuple[str | None, int | None]:
    if not raw:
        return None, None
    kind, _, ident = raw.partition(":")
    if not kind or (ident and not ident.isdigit()) or (ident and not 1 <= int(ident) <= MAX_ID):
        raise Invalid("target", "api.target_kind_id")
    return kind, int(ident) if ident else None


@router.get("/audit", response_model=list[AuditEntryPublic])
def audit(
    session: SessionDep,
    _user: AdminUser,
    actor: Annotated[str | None, Query(max_length=120, description="a username or user:NAME")] = None,
    target: Annotated[str | None, Query(max_length=60, description="member:12, store:3, user:5, ...")] = None,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditEntryPublic]:
    """Newest first. ``target=member:ID`` also finds the member's occasions, purchases, consent, cards."""
    for name, value in (("from", from_), ("to", to)):
        if value is not None and value.tzinfo is None:
            raise Invalid(name, "api.time_zone_needed", name=name)
    kind, ident = _target(target)
    entries = audit_entries(
        session, actor=actor, target_type=kind, target_id=ident, since=from_, until=to, limit=limit
    )
    return [audit_entry_public(e) for e in entries]

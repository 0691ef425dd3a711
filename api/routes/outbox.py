"""The development outbox as JSON: the files the outbox channel wrote under settings.outbox_dir.

Nothing here was sent to anyone; the listing says so in every answer. Marketing and admin only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Query

from api.deps import MarketingUser, SettingsDep
from api.routing import api_router
from loyalty.messaging.dev_outbox import OutboxListing, list_outbox

router = api_router(prefix="/outbox", tags=["outbox"])


@router.get("")
def outbox_listing(
    _user: MarketingUser, settings: SettingsDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> OutboxListing:
    return list_outbox(Path(settings.outbox_dir), limit)

"""The development outbox as JSON: the files the outbox channel wrote under settings.outbox_dir.

Nothing here was sent to anyone; the listing says so in every answer. Marketing and admin only.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel

from api.deps import MarketingUser, SettingsDep
from api.routing import api_router

router = api_router(prefix="/outbox", tags=["outbox"])

NOT_SENT = "NOT SENT — development outbox: no real person received these messages"
PREVIEW_LINES = 4


class OutboxEntry(BaseModel):
    file: str
    time: datetime
    channel: str
    to: str
    subject: str | None = None
    preview: str


class OutboxListing(BaseModel):
    notice: str = NOT_SENT
    directory: str
    total: int
    entries: list[OutboxEntry]


def _first_lines(text: str, lines: int = PREVIEW_LINES) -> str:
    kept = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[:lines])


def _read_email(path: Path) -> tuple[str, str | None, str]:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None else ""
    return str(message.get("To", "")), str(message.get("Subject", "")) or None, text


def _read_sms(path: Path) -> tuple[str, None, str]:
    record = json.loads(path.read_text(encoding="utf-8"))
    return str(record.get("to", "")), None, str(record.get("body", ""))


def read_entry(path: Path) -> OutboxEntry | None:
    """One outbox file as an entry; None for a file that is not a message (or is half written)."""
    try:
        if path.suffix == ".eml":
            channel, (to, subject, text) = "email", _read_email(path)
        elif path.suffix == ".json":
            channel, (to, subject, text) = "sms", _read_sms(path)
        else:
            return None
        written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except (OSError, ValueError, UnicodeDecodeError, AssertionError):
        return None
    return OutboxEntry(
        file=path.name, time=written, channel=channel, to=to, subject=subject, preview=_first_lines(text)
    )


def list_outbox(directory: Path, limit: int = 200) -> OutboxListing:
    """The newest ``limit`` messages first."""
    paths = [p for p in directory.glob("*") if p.is_file()] if directory.is_dir() else []
    entries = [entry for entry in map(read_entry, paths) if entry is not None]
    entries.sort(key=lambda entry: (entry.time, entry.file), reverse=True)
    return OutboxListing(directory=str(directory), total=len(entries), entries=entries[:limit])


@router.get("")
def outbox_listing(
    _user: MarketingUser, settings: SettingsDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> OutboxListing:
    return list_outbox(Path(settings.outbox_dir), limit)

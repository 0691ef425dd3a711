"""Reading the development outbox back (the outbox page): the files workers/channels/outbox.py wrote.

The writer (a channel, in workers/) and this reader share the file format and its markers here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from pydantic import BaseModel

NOTICE = "NOT SENT — development outbox: no real person received these messages"
PREVIEW_LINES = 4
TEST_HEADER = "X-Loyalty-Test"  # a campaign's test send (marketing's own address), not a member's message


class OutboxEntry(BaseModel):
    file: str
    time: datetime
    channel: str
    to: str
    subject: str | None = None
    preview: str
    text: str = ""  # the whole text, as the member would read it
    test: bool = False  # a campaign's test send


class OutboxListing(BaseModel):
    notice: str = NOTICE
    directory: str
    total: int
    entries: list[OutboxEntry]


def _first_lines(text: str, lines: int = PREVIEW_LINES) -> str:
    kept = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[:lines])


def _read_email(path: Path) -> tuple[str, str | None, str, bool]:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None else ""
    test = str(message.get(TEST_HEADER, "")).lower() == "true"
    return str(message.get("To", "")), str(message.get("Subject", "")) or None, text, test


def _read_sms(path: Path) -> tuple[str, None, str, bool]:
    record = json.loads(path.read_text(encoding="utf-8"))
    return str(record.get("to", "")), None, str(record.get("body", "")), record.get("test") is True


def read_entry(path: Path) -> OutboxEntry | None:
    """One outbox file as an entry; None for a file that is not a message (or is half written)."""
    try:
        if path.suffix == ".eml":
            channel, (to, subject, text, test) = "email", _read_email(path)
        elif path.suffix == ".json":
            channel, (to, subject, text, test) = "sms", _read_sms(path)
        else:
            return None
        written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except (OSError, ValueError, UnicodeDecodeError, AssertionError):
        return None
    return OutboxEntry(
        file=path.name,
        time=written,
        channel=channel,
        to=to,
        subject=subject,
        preview=_first_lines(text),
        text=text.strip(),
        test=test,
    )


def list_outbox(directory: Path, limit: int = 200) -> OutboxListing:
    """The newest ``limit`` messages first."""
    paths = [p for p in directory.glob("*") if p.is_file()] if directory.is_dir() else []
    entries = [entry for entry in map(read_entry, paths) if entry is not None]
    entries.sort(key=lambda entry: (entry.time, entry.file), reverse=True)
    return OutboxListing(directory=str(directory), total=len(entries), entries=entries[:limit])

"""The channel adapter contract: what an adapter receives (primitives only) and the errors it raises."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class SendError(Exception):
    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class TransientSendError(SendError):
    """Try again later: 5xx, 429 (``retry_after`` seconds from Retry-After), timeouts, SMTP 4xx, dropped
    connections. ``uncertain`` when the provider may have accepted the message (a read timeout)."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        retry_after: float | None = None,
        uncertain: bool = False,
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after
        self.uncertain = uncertain


class PermanentSendError(SendError):
    """Never retried. ``effect``: what the member's record learns ("invalid_phone" or "opted_out")."""

    def __init__(self, message: str, *, code: str | None = None, effect: str | None = None) -> None:
        super().__init__(message, code=code)
        self.effect = effect


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Outgoing:
    """Everything an adapter needs, as primitives (adapters never see ORM objects)."""

    message_id: int
    channel: str
    to: str
    text: str
    subject: str = ""
    html: str = ""
    attachments: tuple[Attachment, ...] = ()
    unsubscribe_url: str = ""
    first_claimed_at: datetime | None = None
    check_provider_first: bool = False
    claim_token: str = ""  # the claim's fence (``messaging.claims.renew_claims``)
    # parts of ``text`` that differ when the same message is made again after a restore (a re-issued
    # coupon's code, the day's page link): any word stands for them when asking the provider
    variable_parts: tuple[str, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)


class ChannelAdapter(Protocol):
    """``send`` returns the provider's id or raises TransientSendError or PermanentSendError.

    ``find_accepted`` answers "did the provider already accept this message?" (after a worker died or a
    timeout): the provider id, or None when it did not; adapters that cannot know return None and set
    ``can_reconcile = False`` (the message is then sent again: at-least-once)."""

    name: str
    can_reconcile: bool

    def send(self, out: Outgoing) -> str: ...

    def find_accepted(self, out: Outgoing) -> str | None: ...


def same_text(out: Outgoing, body: str) -> bool:
    """Is ``body`` (what the provider accepted) this message? Its text exactly, or with each of its
    ``variable_parts`` replaced by any other word (a campaign run made again after a restore issues new
    coupon codes for the lost ones)."""
    if body == out.text:
        return True
    parts = sorted({p for p in out.variable_parts if p and p in out.text}, key=len, reverse=True)
    if not parts:
        return False
    masked = re.split("(" + "|".join(re.escape(p) for p in parts) + ")", out.text)
    pattern = "".join(r"\S+" if i % 2 else re.escape(piece) for i, piece in enumerate(masked))
    return re.fullmatch(pattern, body) is not None

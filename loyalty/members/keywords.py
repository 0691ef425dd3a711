"""Inbound SMS keywords: STOP-like words opt the sender out of SMS, START-like words opt them back in.

Matched on the whole message, case-insensitively, dotted and dotless i alike ("iptal", "İPTAL", "IPTAL").
Recorded through the consent ledger with source "sms keyword" and actor "twilio".
"""

from __future__ import annotations

from sqlmodel import Session, select

from loyalty.members.consent import record_consent
from loyalty.models.members import Channel, Member

OPT_OUT = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "ret", "iptal"}


OPT_IN = {"start", "yes", "unstop"}


def keyword_effect(body: str) -> bool | None:
    """False for an opt-out keyword, True for an opt-in keyword, None otherwise."""
    word = body.strip().strip(".!").casefold().replace("\u0307", "").replace("ı", "i")
    if word in OPT_OUT:
        return False
    if word in OPT_IN:
        return True
    return None


def handle_inbound_sms(session: Session, *, sender: str, body: str) -> bool | None:
    """Apply a keyword from ``sender`` (E.164); returns the consent recorded, or None when nothing was."""
    granted = keyword_effect(body)
    if granted is None or not sender:
        return None
    member = session.exec(select(Member).where(Member.phone == sender)).first()
    if member is None:
        return None
    # queued messages are re-checked at send time (a ``preferred`` one may still go by e-mail)
    record_consent(session, member, Channel.sms, granted, source="sms keyword", actor="twilio")
    return granted

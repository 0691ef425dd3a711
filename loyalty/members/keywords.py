"""Inbound SMS keywords: STOP-like words opt the sender out of SMS, START-like words opt them back in.

The rule (docs/marketing.md, "Opt-out keywords"): a short message, **up to three words**, that contains an
opt-out keyword (STOP, RET, İPTAL, ...) opts out: "RET", "Ret lütfen", "iptal edin lütfen" do; a longer
text that merely mentions one ("stop sending me the menu please") does not (staff read it), nor does a
negated one ("iptal etmeyin", "ret etmeyin lütfen", "don't stop", "iptal değil"). An opt-in
needs the whole message to be the keyword ("START", "BAŞLA"): re-subscribing is never guessed. Matching is
case-insensitive and Turkish-aware (İPTAL, iptal, IPTAL alike), punctuation ignored.

Recorded through the consent ledger with source "sms keyword" and actor "twilio"; an opt-out is answered
with one confirmation SMS (transactional, queued through messaging, deduplicated on the inbound
MessageSid, so a replayed webhook never sends a second one).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, select

from loyalty.core import jobs
from loyalty.core.clock import utcnow
from loyalty.core.text import fold
from loyalty.members.consent import record_consent
from loyalty.messaging.outbox import SEND_TASK
from loyalty.messaging.queue import MessageRow, queue
from loyalty.messaging.reach import OPT_OUT_REPLY
from loyalty.models.members import Channel, Member
from loyalty.models.messages import Category

OPT_OUT = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "ret", "iptal", "dur", "durdur"}

# a negation anywhere in the short message turns it around: "iptal etmeyin", "ret etmeyin lütfen",
# "don't stop", "do not cancel", "iptal değil" (folded: ı -> i, ğ -> g ...)
NEGATIONS = {"dont", "don", "not", "never", "degil", "doesnt", "didnt"}
_NEGATED_VERB = re.compile(r"^(et|yap|kil|durdur)m[ae](z|y|yin|yiniz|yelim|sin|yiz|m|n|niz)?$")


OPT_IN = {"start", "yes", "unstop", "basla"}


MAX_WORDS = 3  # an opt-out keyword counts in a message of at most this many words


CONFIRMATION = OPT_OUT_REPLY  # the template of the one reply to an opt-out, sent whatever the consent


_MARKS = str.maketrans({"ı": "i", "ş": "s", "ğ": "g", "ç": "c", "ö": "o", "ü": "u"})


def _words(body: str) -> list[str]:
    return re.findall(r"\w+", fold(body).translate(_MARKS))


def keyword_effect(body: str) -> bool | None:
    """False for an opt-out (a keyword in a message of up to three words, none of them a negation), True
    for an opt-in (the whole message is the keyword), None otherwise."""
    words = _words(body)
    negated = any(word in NEGATIONS or _NEGATED_VERB.match(word) for word in words)
    if 0 < len(words) <= MAX_WORDS and any(word in OPT_OUT for word in words) and not negated:
        return False
    if len(words) == 1 and words[0] in OPT_IN:
        return True
    return None


def handle_inbound_sms(
    session: Session,
    *,
    sender: str,
    body: str,
    message_sid: str = "",
    now: datetime | None = None,
    actor: str = "twilio",
) -> bool | None:
    """Apply a keyword from ``sender`` (E.164); returns the consent recorded, or None when nothing was.
    An opt-out queues one confirmation reply (deduplicated on ``message_sid``), sent after the commit."""
    granted = keyword_effect(body)
    if granted is None or not sender:
        return None
    member = session.exec(select(Member).where(Member.phone == sender)).first()
    if member is None:
        return None
    now = now or utcnow()
    # queued messages are re-checked at send time (a ``preferred`` one may still go by e-mail)
    record_consent(session, member, Channel.sms, granted, source="sms keyword", actor=actor, now=now)
    if not granted and message_sid:
        ids = queue(
            session,
            [
                MessageRow(
                    member_id=member.id or 0,
                    requested_channel=Channel.sms.value,
                    dedupe_key=f"optout:{message_sid}"[:120],
                    purpose=CONFIRMATION,
                    category=Category.transactional,
                    locale=member.locale,
                )
            ],
            now=now,
        )
        for message_id in ids:
            jobs.defer(session, SEND_TASK, message_id)
    return granted

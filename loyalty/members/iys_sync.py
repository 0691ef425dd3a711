"""İYS in both directions, the ledger's side (the HTTP calls live in workers/iys.py).

Up: every ledger row starts ``pending``; ``claim_uploads`` hands out due rows with a lease (so two runs
never upload one row twice at once), ``record_upload`` keeps İYS's answer on the row: ``sent`` with İYS's
transaction id, a retry later (backoff) after a transient error, ``failed`` with İYS's error after a
refusal or too many tries. Rows that came from İYS itself are ``skipped``.

Down: ``apply_change`` records a change made at İYS (source İYS) unless the ledger already holds a newer
word from the member; a refusal cancels the member's queued commercial messages on that channel at once.
``record_consent`` (consent.py) never lets an older consent overwrite a refusal made at İYS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from loyalty.members.consent import IYS_ACTOR, record_consent
from loyalty.members.iys import IYS_DATE, IYS_TYPES, iys_record
from loyalty.messaging.outbox import cancel_pending
from loyalty.models.members import Channel, ConsentEvent, IysSource, IysSync, Member, RecipientType

PENDING, SENT, FAILED, SKIPPED = "pending", "sent", "failed", "skipped"
LEASE = timedelta(minutes=5)  # a claimed row not answered by then is handed out again
STUCK = timedelta(minutes=15)  # the law's (and the issue's) bound: a change reaches İYS within this
CHANNELS = {v: k for k, v in IYS_TYPES.items()}


@dataclass(frozen=True)
class Upload:
    event_id: int
    record: dict[str, str]


def claim_uploads(session: Session, now: datetime, timezone: str, limit: int = 200) -> list[Upload]:
    """Due pending rows, oldest first, each leased for ``LEASE``; the caller commits before uploading."""
    zone = ZoneInfo(timezone)
    erased = select(Member.id).where(col(Member.erased_at).is_not(None))
    session.execute(  # an erased member's rows name no one any more: nothing to upload
        sa.update(ConsentEvent)
        .where(col(ConsentEvent.iys_state) == PENDING, col(ConsentEvent.member_id).in_(erased))
        .values(iys_state=SKIPPED, iys_answer="member erased")
    )
    rows = session.exec(
        select(ConsentEvent, Member.phone, Member.email)
        .join(Member, col(Member.id) == col(ConsentEvent.member_id))
        .where(
            ConsentEvent.iys_state == PENDING,
            sa.or_(col(ConsentEvent.iys_next_at).is_(None), col(ConsentEvent.iys_next_at) <= now),
            col(Member.erased_at).is_(None),
        )
        .order_by(col(ConsentEvent.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=ConsentEvent)
    ).all()
    uploads: list[Upload] = []
    for event, phone, email in rows:
        record = iys_record(event, phone, email, zone)
        if record is None:
            event.iys_state, event.iys_answer = SKIPPED, "no address on this channel"
        else:
            event.iys_next_at = now + LEASE
            uploads.append(Upload(event.id or 0, record))
        session.add(event)
    session.flush()
    return uploads


def record_upload(
    session: Session,
    event_id: int,
    *,
    answer: str,
    now: datetime,
    ok: bool = False,
    permanent: bool = False,
    max_attempts: int = 20,
    retry_seconds: int = 30,
) -> None:
    """İYS's answer to one upload, kept on the row."""
    event = session.get(ConsentEvent, event_id)
    if event is None or event.iys_state != PENDING:
        return
    event.iys_attempts += 1
    event.iys_answer = answer[:500]
    if ok:
        event.iys_state, event.iys_synced_at, event.iys_next_at = SENT, now, None
    elif permanent or event.iys_attempts >= max_attempts:
        event.iys_state, event.iys_next_at = FAILED, None
    else:  # 30 s, 1, 2, 4 ... minutes, at most 10: well inside the 15 minutes for the first tries
        wait = min(retry_seconds * 2 ** (event.iys_attempts - 1), 600)
        event.iys_next_at = now + timedelta(seconds=wait)
    session.add(event)
    session.flush()


def _parse_date(value: str, zone: ZoneInfo) -> datetime | None:
    try:
        return datetime.strptime(value, IYS_DATE).replace(tzinfo=zone)
    except (TypeError, ValueError):
        return None


def _latest(session: Session, member_id: int, channel: Channel) -> ConsentEvent | None:
    return session.exec(
        select(ConsentEvent)
        .where(ConsentEvent.member_id == member_id, ConsentEvent.channel == channel)
        .order_by(col(ConsentEvent.id).desc())
        .limit(1)
    ).first()


def apply_change(session: Session, change: dict[str, Any], now: datetime, timezone: str) -> str:
    """One change pulled from İYS: "applied", "older" (the ledger holds a newer word), "same" or
    "unknown" (no such member, or a change we cannot read)."""
    zone = ZoneInfo(timezone)
    channel = CHANNELS.get(str(change.get("type", "")))
    given = _parse_date(str(change.get("consentDate", "")), zone)
    status = str(change.get("status", ""))
    if channel is None or given is None or status not in ("ONAY", "RET"):
        return "unknown"
    recipient = str(change.get("recipient", ""))
    address = Member.phone if channel == Channel.sms else Member.email
    member = session.exec(select(Member).where(address == recipient, col(Member.erased_at).is_(None))).first()
    if member is None or member.id is None:
        return "unknown"
    granted = status == "ONAY"
    latest = _latest(session, member.id, channel)
    if latest is not None:
        if (latest.consent_at or latest.recorded_at) > given:
            return "older"
        if latest.granted == granted and latest.actor == IYS_ACTOR:
            return "same"
    source = str(change.get("source", ""))
    event = record_consent(
        session,
        member,
        channel,
        granted,
        source="iys",
        actor=IYS_ACTOR,
        now=now,
        iys_source=IysSource(source) if source in IysSource.__members__ else IysSource.HS_WEB,
        recipient_type=RecipientType(change.get("recipientType", "BIREYSEL"))
        if change.get("recipientType") in RecipientType.__members__
        else RecipientType.BIREYSEL,
        consent_at=given,
    )
    if event is not None:
        event.iys_state = SKIPPED  # it came from İYS: nothing to upload
        session.add(event)
    if not granted:
        cancel_pending(session, member_id=member.id, reason="refused at İYS", channel=channel.value)
    session.flush()
    return "applied"


def sync_row(session: Session) -> IysSync:
    row = session.get(IysSync, 1)
    if row is None:
        row = IysSync(id=1)
        session.add(row)
        session.flush()
    return row


@dataclass(frozen=True)
class SyncState:
    pending: int
    failed: int
    oldest_pending: datetime | None
    last_push_at: datetime | None
    last_pull_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


def sync_state(session: Session) -> SyncState:
    counts = dict(
        session.exec(
            select(ConsentEvent.iys_state, func.count())
            .where(col(ConsentEvent.iys_state).in_([PENDING, FAILED]))
            .group_by(col(ConsentEvent.iys_state))
        ).all()
    )
    oldest = session.exec(
        select(func.min(ConsentEvent.recorded_at)).where(ConsentEvent.iys_state == PENDING)
    ).one()
    row = session.get(IysSync, 1) or IysSync(id=1)
    return SyncState(
        pending=int(counts.get(PENDING, 0)),
        failed=int(counts.get(FAILED, 0)),
        oldest_pending=oldest,
        last_push_at=row.last_push_at,
        last_pull_at=row.last_pull_at,
        last_error=row.last_error,
        last_error_at=row.last_error_at,
    )


def sync_problem(state: SyncState, now: datetime, pull_every: timedelta) -> str | None:
    """One line when the sync is stuck: a change waiting longer than 15 minutes, or no pull lately."""
    if state.oldest_pending is not None and now - state.oldest_pending > STUCK:
        minutes = int((now - state.oldest_pending).total_seconds() // 60)
        error = f" (last error: {state.last_error})" if state.last_error else ""
        return f"{state.pending} consent changes wait for İYS, the oldest for {minutes} min{error}"
    if state.last_pull_at is None or now - state.last_pull_at > max(2 * pull_every, STUCK):
        return "refusals made at İYS have not been pulled for over 15 minutes"
    return None

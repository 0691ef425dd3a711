"""Consent is a ledger: one row per grant or revocation, per channel, with source, actor and time.

A member's current consent is the latest ledger row per channel. ``members.sms_opt_in`` and
``members.email_opt_in`` are a cache of it for fast audience queries, and ``record_consent`` is their only
writer: it locks the member row first, so the cache always equals the newest row even under concurrency."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from loyalty.core.clock import utcnow
from loyalty.core.errors import Invalid, NotFound
from loyalty.models.members import Channel, ConsentEvent, IysSource, Member, RecipientType

IMPORT = "import"
IYS_ACTOR = "iys"  # rows pulled from İYS (loyalty.members.iys_sync)

# the product's own sources and the İYS source code each stands for (anything else: in store)
IYS_SOURCES: dict[str, IysSource] = {
    "counter": IysSource.HS_FIZIKSEL_ORTAM,
    "self_service": IysSource.HS_WEB,
    "web": IysSource.HS_WEB,
    "sms keyword": IysSource.HS_MESAJ,
    "sms provider": IysSource.HS_MESAJ,
    "sms unsubscribe": IysSource.HS_MESAJ,
    "email unsubscribe": IysSource.HS_EORTAM,
}


def iys_source_for(source: str) -> IysSource:
    """The İYS code of a source: an İYS code itself, one of IYS_SOURCES, else HS_FIZIKSEL_ORTAM."""
    if source in IysSource.__members__:
        return IysSource(source)
    return IYS_SOURCES.get(source, IysSource.HS_FIZIKSEL_ORTAM)


def _channel(value: Channel | str) -> Channel:
    try:
        return Channel(value)
    except ValueError:
        raise Invalid("channel", "members.channel_sms_email") from None


def _lock_member(session: Session, member: Member) -> None:
    """Serialize consent writes per member and reload the cached flags under the lock.

    Reloading matters: the ORM only writes a column it sees changed, so a stale in-memory flag could
    leave the cache different from the newest ledger row when another writer committed in between.
    """
    session.flush()
    session.refresh(member, attribute_names=["sms_opt_in", "email_opt_in", "email"], with_for_update=True)


def _ever_revoked(session: Session, member_id: int, channel: Channel) -> bool:
    row = session.exec(
        select(ConsentEvent.id).where(
            ConsentEvent.member_id == member_id,
            ConsentEvent.channel == channel,
            col(ConsentEvent.granted).is_(False),
        )
    ).first()
    return row is not None


def _refused_at_iys_after(session: Session, member_id: int, channel: Channel, given: datetime) -> bool:
    """A refusal made at İYS later than ``given``: an older consent never overwrites it."""
    row = session.exec(
        select(ConsentEvent.id).where(
            ConsentEvent.member_id == member_id,
            ConsentEvent.channel == channel,
            ConsentEvent.actor == IYS_ACTOR,
            col(ConsentEvent.granted).is_(False),
            col(ConsentEvent.consent_at) > given,
        )
    ).first()
    return row is not None


def record_consent(
    session: Session,
    member: Member,
    channel: Channel | str,
    granted: bool,
    *,
    source: str,
    actor: str,
    now: datetime | None = None,
    iys_source: IysSource | None = None,
    recipient_type: RecipientType = RecipientType.BIREYSEL,
    consent_at: datetime | None = None,
) -> ConsentEvent | None:
    """Append a grant or revocation to the ledger and update the member's current consent at once.

    An ``import`` grant (source or actor "import") never overrides an opt-out the member ever made on that
    channel: nothing is written and None is returned; nor does any grant older than a refusal the member
    made at İYS (pulled by loyalty.members.iys_sync). An e-mail grant needs an e-mail address.
    ``iys_source`` defaults to the code ``source`` stands for; ``consent_at`` (when the member gave it, an
    import's evidence date) defaults to the time recorded.
    """
    channel = _channel(channel)
    source = (source or "").strip()
    if not source or len(source) > 32:
        raise Invalid("source", "members.source_1_32_characters")
    if not actor or len(actor) > 120:
        raise Invalid("actor", "members.actor_1_120_characters")
    if member.id is None:
        session.add(member)
        session.flush()
    assert member.id is not None
    _lock_member(session, member)
    if granted and channel == Channel.email and not member.email:
        raise Invalid("email", "members.mail_consent_needs_mail_address")
    if granted and IMPORT in (source, actor) and _ever_revoked(session, member.id, channel):
        return None
    recorded = now or utcnow()
    if (
        granted
        and actor != IYS_ACTOR
        and _refused_at_iys_after(session, member.id, channel, consent_at or recorded)
    ):
        return None
    event = ConsentEvent(
        member_id=member.id,
        channel=channel,
        granted=granted,
        source=source,
        actor=actor,
        recorded_at=recorded,
        recipient_type=recipient_type,
        iys_source=iys_source or iys_source_for(source),
        consent_at=consent_at,
    )
    session.add(event)
    if channel == Channel.sms:
        member.sms_opt_in = granted
    else:
        member.email_opt_in = granted
    session.add(member)
    session.flush()
    return event


def consent_history(session: Session, member_id: int) -> list[ConsentEvent]:
    """The member's ledger, oldest first (NotFound for an unknown member)."""
    if session.get(Member, member_id) is None:
        raise NotFound("members.member_id_unknown", member_id=member_id)
    return list(
        session.exec(
            select(ConsentEvent).where(ConsentEvent.member_id == member_id).order_by(col(ConsentEvent.id))
        ).all()
    )


def consent_state(session: Session, member_id: int) -> dict[Channel, bool]:
    """Current consent derived from the ledger alone: the newest row per channel; no row means no consent."""
    state = dict.fromkeys(Channel, False)
    for event in session.exec(
        select(ConsentEvent).where(ConsentEvent.member_id == member_id).order_by(col(ConsentEvent.id))
    ):
        state[Channel(event.channel)] = event.granted
    return state

"""The consent ledger: every change is a row, current consent derives from it, opt-outs beat imports."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from loyalty.core.errors import Invalid, NotFound
from loyalty.members.consent import consent_history, consent_state, record_consent
from loyalty.members.registration import register_member
from loyalty.members.schemas import MemberCreate
from loyalty.models.members import Channel, ConsentEvent, Member
from tests.builders import make_member


def fresh_member(session: Session, **fields: object) -> Member:
    """A member without any consent rows (the builder sets flags directly; start them off)."""
    return make_member(session, sms=False, email_opt_in=False, **fields)  # type: ignore[arg-type]


def test_registration_writes_one_row_per_channel(session: Session) -> None:
    data = MemberCreate.model_validate(
        {
            "full_name": "Elif Şahin",
            "phone": "0532 222 33 44",
            "email": "elif@example.com",
            "consent": {"sms": True, "email": False},
            "consent_source": "counter",
        }
    )
    member = register_member(
        session, data, actor="user:kasa1", default_timezone="Europe/Istanbul", default_locale="tr"
    )
    assert member.id is not None
    rows = consent_history(session, member.id)
    assert [(r.channel, r.granted, r.source, r.actor) for r in rows] == [
        ("sms", True, "counter", "user:kasa1"),
        ("email", False, "counter", "user:kasa1"),
    ]
    assert all(r.recorded_at.tzinfo is not None for r in rows)
    assert consent_state(session, member.id) == {Channel.sms: True, Channel.email: False}


def test_opt_out_takes_effect_at_once(session: Session) -> None:
    member = fresh_member(session)
    record_consent(session, member, Channel.sms, True, source="counter", actor="user:a")
    assert member.sms_opt_in is True
    record_consent(session, member, "sms", False, source="sms keyword", actor="twilio")
    assert member.sms_opt_in is False
    # the cache is what audience queries read: check it in the database, not only on the object
    session.expire(member)
    stored = session.exec(select(Member).where(Member.id == member.id)).one()
    assert stored.sms_opt_in is False


def test_import_grant_never_overrides_an_opt_out(session: Session) -> None:
    member = fresh_member(session, email="x@example.com")
    assert member.id is not None
    record_consent(session, member, Channel.sms, True, source="counter", actor="user:a")
    record_consent(session, member, Channel.sms, False, source="sms keyword", actor="twilio")
    assert record_consent(session, member, Channel.sms, True, source="import", actor="import") is None
    assert record_consent(session, member, Channel.sms, True, source="crm file", actor="import") is None
    assert member.sms_opt_in is False
    assert [r.granted for r in consent_history(session, member.id)] == [True, False]
    # an import may still grant a channel the member never opted out of
    event = record_consent(session, member, Channel.email, True, source="import", actor="import")
    assert event is not None and member.email_opt_in is True
    # and the member's own renewed grant at the counter is honoured
    record_consent(session, member, Channel.sms, True, source="counter", actor="user:a")
    assert member.sms_opt_in is True


def test_state_is_derived_from_the_newest_row(session: Session) -> None:
    member = fresh_member(session, email="y@example.com")
    assert member.id is not None
    assert consent_state(session, member.id) == {Channel.sms: False, Channel.email: False}
    t0 = datetime(2026, 1, 1, 9, tzinfo=UTC)
    for i, granted in enumerate([True, False, True]):
        record_consent(
            session,
            member,
            Channel.email,
            granted,
            source="counter",
            actor="user:a",
            now=t0 + timedelta(days=i),
        )
    history = consent_history(session, member.id)
    assert [r.recorded_at for r in history] == [t0, t0 + timedelta(days=1), t0 + timedelta(days=2)]
    assert consent_state(session, member.id)[Channel.email] is True
    assert member.email_opt_in is True


def test_email_grant_needs_an_address_and_bad_input_names_the_field(session: Session) -> None:
    member = fresh_member(session)
    cases = [
        ({"channel": Channel.email, "granted": True, "source": "counter"}, "email"),
        ({"channel": "fax", "granted": True, "source": "counter"}, "channel"),
        ({"channel": Channel.sms, "granted": True, "source": "  "}, "source"),
        ({"channel": Channel.sms, "granted": True, "source": "x" * 33}, "source"),
    ]
    for args, field in cases:
        with pytest.raises(Invalid) as exc:
            record_consent(
                session,
                member,
                args["channel"],
                args["granted"],
                source=args["source"],  # type: ignore[arg-type]
                actor="user:a",
            )
        assert exc.value.field == field
    assert session.exec(select(ConsentEvent).where(ConsentEvent.member_id == member.id)).all() == []
    # revoking e-mail without an address is fine (nothing is sent either way)
    assert record_consent(session, member, Channel.email, False, source="counter", actor="user:a")


def test_history_of_unknown_member_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        consent_history(session, 424242)


@pytest.mark.postgres_only
def test_concurrent_changes_leave_the_cache_equal_to_the_newest_row(committing_engine: Engine) -> None:
    """Many writers at once on one member: the member row lock keeps the cache in step with the ledger."""
    with Session(committing_engine) as session:
        member = fresh_member(session)
        session.commit()
        member_id = member.id
    assert member_id is not None
    n = 8
    barrier = threading.Barrier(n)
    errors: list[str] = []

    def flip(i: int) -> None:
        barrier.wait(5)
        try:
            with Session(committing_engine) as s:
                m = s.get(Member, member_id)
                assert m is not None
                record_consent(s, m, Channel.sms, i % 2 == 0, source="counter", actor=f"user:{i}")
                s.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=flip, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    with Session(committing_engine) as session:
        history = consent_history(session, member_id)
        stored = session.get(Member, member_id)
        assert stored is not None and len(history) == n
        assert stored.sms_opt_in is history[-1].granted
        assert consent_state(session, member_id)[Channel.sms] is stored.sms_opt_in


@pytest.mark.postgres_only
def test_a_stale_member_object_cannot_leave_the_cache_behind_the_ledger(committing_engine: Engine) -> None:
    """A loaded the member (opted out), B opted in and committed, then A opts out: the cache must say out.

    The ORM writes only columns it sees changed; record_consent reloads the flags under a row lock first.
    """
    with Session(committing_engine) as session:
        member_id = fresh_member(session).id
        session.commit()
    with Session(committing_engine, expire_on_commit=False) as a, Session(committing_engine) as b:
        stale = a.get(Member, member_id)
        a.commit()  # end A's snapshot; the object keeps sms_opt_in=False in memory
        fresh = b.get(Member, member_id)
        assert stale is not None and fresh is not None
        record_consent(b, fresh, Channel.sms, True, source="counter", actor="user:b")
        b.commit()
        record_consent(a, stale, Channel.sms, False, source="sms keyword", actor="twilio")
        a.commit()
    with Session(committing_engine) as session:
        stored = session.get(Member, member_id)
        assert stored is not None and stored.sms_opt_in is False
        assert consent_state(session, member_id)[Channel.sms] is False

"""Members: phone normalization, registration rules, search (phone, Turkish names, card), edits, races."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from loyalty.cards.numbers import new_card_number
from loyalty.core.errors import Conflict, Invalid, NotFound
from loyalty.counter.search import search_members
from loyalty.members.consent import consent_history
from loyalty.members.registration import get_member, register_member, update_member
from loyalty.members.schemas import ConsentChoice, MemberCreate, MemberUpdate
from loyalty.members.validation import normalize_phone
from loyalty.models.cards import Card, CardStatus
from loyalty.models.members import Channel, Member
from tests.builders import make_member, make_user


def register(session: Session, **fields: object) -> Member:
    data = MemberCreate.model_validate({"full_name": "Ayşe Yılmaz", "phone": "0532 123 45 67", **fields})
    return register_member(
        session, data, actor="user:tester", default_timezone="Europe/Istanbul", default_locale="tr"
    )


def invalid_field(exc: pytest.ExceptionInfo[Invalid]) -> str:
    return exc.value.field


@pytest.mark.parametrize("raw", ["0532 123 45 67", "+90 (532) 123-4567", "5321234567", "905321234567"])
def test_turkish_forms_normalize_to_one_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+905321234567"


def test_foreign_numbers_keep_their_country() -> None:
    assert normalize_phone("+44 7911 123456") == "+447911123456"
    assert normalize_phone("+49 1512 3456789") == "+4915123456789"


def test_local_forms_follow_the_shop_country(session: Session) -> None:
    assert normalize_phone("07911 123456", region="GB") == "+447911123456"
    data = MemberCreate(full_name="Selin Doğan", phone="07911 123456")
    member = register_member(
        session, data, actor="user:t", default_timezone="Europe/London", default_locale="en", region="GB"
    )
    assert member.phone == "+447911123456"
    assert [m.id for m in search_members(session, phone="07911 123456", region="GB")] == [member.id]


@pytest.mark.parametrize("raw", ["", "12345", "abc", "+90 532 123 45 67 8", "0532 123"])
def test_invalid_phone_names_the_field(raw: str) -> None:
    with pytest.raises(Invalid) as exc:
        normalize_phone(raw)
    assert invalid_field(exc) == "phone"


def test_register_normalizes_and_uses_shop_defaults(session: Session) -> None:
    member = register(session, full_name="  Ayşe   IŞIK ", email="Ayse@Example.COM")
    assert member.id is not None
    assert member.full_name == "Ayşe IŞIK" and member.name_search == "ayse isik"
    assert member.phone == "+905321234567"
    assert member.email == "Ayse@example.com"
    assert (member.locale, member.timezone, member.preferred_channel) == ("tr", "Europe/Istanbul", "sms")


def test_register_keeps_given_zone_and_locale(session: Session) -> None:
    member = register(
        session, timezone="Europe/London", locale="en-GB", email="a@b.co", preferred_channel="email"
    )
    assert (member.timezone, member.locale, member.preferred_channel) == ("Europe/London", "en", "email")


@pytest.mark.parametrize("second", ["+90 (532) 123-4567", "5321234567", "0532 123 45 67"])
def test_same_phone_in_another_form_is_a_conflict_naming_the_member(session: Session, second: str) -> None:
    first = register(session, full_name="Ayşe Yılmaz")
    with pytest.raises(Conflict) as exc:
        register(session, full_name="Başka Biri", phone=second)
    detail = exc.value.detail()
    assert detail["member_id"] == first.id
    assert detail["member"] == {"id": first.id, "full_name": "Ayşe Yılmaz", "phone": "+905321234567"}
    assert "Ayşe Yılmaz" in detail["message"]
    assert session.exec(select(func.count()).select_from(Member)).one() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"locale": "xx"}, "locale"),
        ({"locale": "de"}, "locale"),
        ({"full_name": "   "}, "full_name"),
        ({"full_name": "A" * 201}, "full_name"),
        ({"consent": {"sms": True, "email": True}}, "email"),  # e-mail consent without an address
        ({"preferred_channel": "email"}, "preferred_channel"),  # ... or preferring e-mail without one
    ],
)
def test_invalid_registration_names_the_field(
    session: Session, fields: dict[str, object], field: str
) -> None:
    with pytest.raises(Invalid) as exc:
        register(session, **fields)
    assert invalid_field(exc) == field
    assert session.exec(select(func.count()).select_from(Member)).one() == 0


def test_registration_consent_becomes_current_state(session: Session) -> None:
    member = register(session, email="ayse@example.com", consent={"sms": True, "email": False})
    assert (member.sms_opt_in, member.email_opt_in) == (True, False)
    other = register(session, phone="0533 000 00 01", consent=ConsentChoice())
    assert (other.sms_opt_in, other.email_opt_in) == (False, False)


def test_get_member_unknown_is_not_found(session: Session) -> None:
    member = register(session)
    assert member.id is not None
    assert get_member(session, member.id).id == member.id
    with pytest.raises(NotFound):
        get_member(session, 987654)


def test_search_by_phone_in_any_form(session: Session) -> None:
    member = register(session)
    make_member(session, phone="+905339998877")
    for form in ("0532 123 45 67", "+90 (532) 123-4567", "5321234567"):
        assert [m.id for m in search_members(session, phone=form)] == [member.id]
    assert search_members(session, phone="0532 000 00 00") == []
    with pytest.raises(Invalid) as exc:
        search_members(session, phone="12")
    assert invalid_field(exc) == "phone"


def test_search_by_name_folds_turkish_case(session: Session) -> None:
    isik = make_member(session, "Mehmet IŞIK")
    istanbul = make_member(session, "İSTANBUL Çiçekçisi")
    make_member(session, "Ahmet Işıkçı Demir")
    assert [m.id for m in search_members(session, q="ışık mehmet")] == [isik.id]
    assert {m.full_name for m in search_members(session, q="ışık")} == {"Mehmet IŞIK", "Ahmet Işıkçı Demir"}
    assert [m.id for m in search_members(session, q="istanbul")] == [istanbul.id]
    assert [m.id for m in search_members(session, q="İSTANBUL")] == [istanbul.id]
    assert search_members(session, q="100%") == []  # LIKE wildcards are escaped


def test_search_by_name_ignores_turkish_accents_and_case(session: Session) -> None:
    """Staff type on any keyboard: "OZTURK" finds "Öztürk", "cigdem ozturk" finds "Çiğdem Öztürk"."""
    cigdem = make_member(session, "Çiğdem Öztürk")
    fatma = make_member(session, "Fatma ÖZTÜRK")
    make_member(session, "Ozan Türk")
    ids = lambda q: [m.id for m in search_members(session, q=q)]  # noqa: E731
    assert set(ids("OZTURK")) == {cigdem.id, fatma.id}
    assert ids("cigdem ozturk") == [cigdem.id]
    assert ids("ciğdem") == [cigdem.id]
    assert ids("ÇİĞDEM") == [cigdem.id]
    assert ids("CIGDEM") == [cigdem.id]
    assert ids("cigdem turk") == [cigdem.id]  # every word must match, anywhere in the name
    assert ids("ahmet") == []


def test_search_by_card_number(session: Session) -> None:
    member = make_member(session, "Zeynep Kaya")
    number = new_card_number()
    session.add(Card(member_id=member.id, number=number, holder_name="Zeynep Kaya", status=CardStatus.active))
    session.flush()
    spaced = " ".join(number[i : i + 4] for i in range(0, 16, 4))
    assert [m.id for m in search_members(session, card=spaced)] == [member.id]
    assert [m.id for m in search_members(session, card=number.replace("", "-").strip("-"))] == [member.id]
    other = str((int(number[-1]) + 1) % 10)
    with pytest.raises(Invalid) as exc:
        search_members(session, card=number[:-1] + other)
    assert invalid_field(exc) == "card" and "check digit" in exc.value.message


def test_search_needs_a_criterion_and_respects_limit(session: Session) -> None:
    with pytest.raises(Invalid):
        search_members(session)
    for i in range(5):
        make_member(session, f"Deniz {i}")
    assert len(search_members(session, q="deniz", limit=3)) == 3


def test_update_changes_only_what_is_sent(session: Session) -> None:
    member = register(session, email="ayse@example.com", consent={"sms": True, "email": True})
    assert member.id is not None
    update_member(session, member.id, MemberUpdate(full_name="Ayşe IŞIK Yılmaz"), actor="user:t")
    assert member.name_search == "ayse isik yilmaz" and member.email == "ayse@example.com"
    update_member(session, member.id, MemberUpdate(timezone="Europe/London", locale="en"), actor="user:t")
    assert (member.timezone, member.locale, member.full_name) == ("Europe/London", "en", "Ayşe IŞIK Yılmaz")
    with pytest.raises(Invalid) as exc:
        update_member(session, member.id, MemberUpdate(timezone="Nowhere/City"), actor="user:t")
    assert invalid_field(exc) == "timezone"


def test_removing_the_email_revokes_email_consent(session: Session) -> None:
    member = register(session, email="ayse@example.com", consent={"sms": True, "email": True})
    assert member.id is not None and member.email_opt_in
    update_member(session, member.id, MemberUpdate(email=None), actor="user:t")
    assert member.email is None and member.email_opt_in is False
    last = consent_history(session, member.id)[-1]
    assert (last.channel, last.granted, last.source, last.actor) == (
        Channel.email,
        False,
        "email removed",
        "user:t",
    )


def test_created_by_user_is_kept(session: Session) -> None:
    user = make_user(session)
    data = MemberCreate(full_name="Can Öztürk", phone="0544 111 22 33")
    member = register_member(
        session,
        data,
        actor=f"user:{user.username}",
        default_timezone="Europe/Istanbul",
        default_locale="tr",
        created_by_user_id=user.id,
    )
    assert member.created_by_user_id == user.id


@pytest.mark.postgres_only
def test_concurrent_registration_of_one_phone_gives_one_member_and_one_conflict(
    committing_engine: Engine,
) -> None:
    """The second insert blocks on the first one's unique key and becomes a Conflict, never an IntegrityError.

    The first registration flushes (row written, not committed) before the second starts, so the second
    passes its own "already registered?" check and must be stopped by the unique index itself.
    """
    first_flushed, results = threading.Event(), {}

    def first() -> None:
        with Session(committing_engine) as session:
            member = register(session, full_name="Birinci Kişi", phone="0532 765 43 21")
            first_flushed.set()
            threading.Event().wait(0.5)  # the second is now blocked on our uncommitted row
            session.commit()
            results["first"] = member.id

    def second() -> None:
        first_flushed.wait(5)
        with Session(committing_engine) as session:
            try:
                register(session, full_name="İkinci Kişi", phone="+90 (532) 765-4321")
                session.commit()
                results["second"] = "created"
            except Conflict as exc:
                results["second"] = exc.detail()
            except Exception as exc:  # an IntegrityError leaking out would land here
                results["second"] = repr(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert isinstance(results["second"], dict), results
    assert results["second"]["member_id"] == results["first"]
    assert results["second"]["member"]["full_name"] == "Birinci Kişi"
    with Session(committing_engine) as session:
        assert session.exec(select(func.count()).select_from(Member)).one() == 1


@pytest.mark.postgres_only
def test_many_simultaneous_registrations_create_exactly_one(committing_engine: Engine) -> None:
    n = 6
    barrier, outcomes = threading.Barrier(n), []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        barrier.wait(5)
        with Session(committing_engine) as session:
            try:
                register(session, full_name=f"Kişi {i}", phone="0532 111 22 33")
                session.commit()
                outcome = "created"
            except Conflict:
                outcome = "conflict"
            except Exception as exc:
                outcome = repr(exc)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(outcomes) == ["conflict"] * (n - 1) + ["created"], outcomes

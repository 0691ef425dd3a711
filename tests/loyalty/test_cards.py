"""Card numbers (Luhn), lookups, issuing under the one-current-card index, approval and printing rules."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from stdnum import luhn

from loyalty.cards.issuing import approve_card, current_card, find_card, issue_card, member_card
from loyalty.cards.numbers import format_card_number, new_card_number, parse_card_number
from loyalty.cards.printing import printable_cards
from loyalty.core.db import unit_of_work
from loyalty.core.errors import Conflict, Invalid, NotFound
from loyalty.counter.search import scan_card
from loyalty.models.cards import Card, CardStatus
from loyalty.models.messages import Message
from tests.builders import make_member, make_user

VALID = "4539578763621486"  # a Luhn-valid 16-digit number


def _card(
    session: Session, member_id: int, status: CardStatus = CardStatus.active, number: str = VALID
) -> Card:
    card = Card(member_id=member_id, number=number, holder_name="Ayşe Yılmaz", status=status)
    session.add(card)
    session.flush()
    return card


def _typo(number: str) -> str:
    """The number with its last-but-one digit mistyped (Luhn catches every single-digit error)."""
    digit = (int(number[-2]) + 1) % 10
    return number[:-2] + str(digit) + number[-1]


# ---------------------------------------------------------------- numbers


def test_new_numbers_are_16_digits_with_a_valid_check_digit_and_do_not_repeat() -> None:
    numbers = {new_card_number() for _ in range(500)}
    assert len(numbers) == 500
    for number in numbers:
        assert len(number) == 16 and number.isdigit() and number[0] != "0"
        assert luhn.is_valid(number)


def test_numbers_are_grouped_by_four_and_parsed_back_from_any_spacing() -> None:
    assert format_card_number(VALID) == "4539 5787 6362 1486"
    for typed in ("4539 5787 6362 1486", "4539-5787-6362-1486", " 4539578763621486 ", "4539 5787-6362 1486"):
        assert parse_card_number(typed) == VALID


def test_a_mistyped_number_is_a_check_digit_error_naming_the_field() -> None:
    with pytest.raises(Invalid) as caught:
        parse_card_number(_typo(VALID))
    assert caught.value.field == "number"
    assert caught.value.key == "cards.card_number_check_digit_wrong"
    assert "check digit" in caught.value.text("en") and "kontrol basamağı" in caught.value.text("tr")


@pytest.mark.parametrize(
    "raw", ["4539 5787 6362 148", "45395787636214861", "", "4539x78763621486", "٤٥٣٩٥٧٨٧٦٣٦٢١٤٨٦"]
)
def test_wrong_length_or_non_digits_are_invalid(raw: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_card_number(raw)
    assert caught.value.field == "number"
    assert "check digit" not in caught.value.message


# ---------------------------------------------------------------- lookups


def test_find_card_by_any_typed_form_and_a_valid_unknown_number_is_not_found(session: Session) -> None:
    member = make_member(session)
    card = _card(session, member.id or 0)
    assert find_card(session, "4539-5787-6362-1486").id == card.id
    unknown = new_card_number()
    with pytest.raises(NotFound):
        find_card(session, unknown)
    with pytest.raises(Invalid, match="check digit"):
        find_card(session, _typo(VALID))  # a typo is a 422, never a 404


def test_current_card_ignores_revoked_cards(session: Session) -> None:
    member = make_member(session)
    assert current_card(session, member.id or 0) is None
    _card(session, member.id or 0, CardStatus.revoked, number=new_card_number())
    assert current_card(session, member.id or 0) is None
    with pytest.raises(NotFound):
        member_card(session, member.id or 0)
    held = _card(session, member.id or 0, CardStatus.pending_review, number=new_card_number())
    assert current_card(session, member.id or 0) == held
    assert member_card(session, member.id or 0) == held


def test_the_database_refuses_a_second_current_card(session: Session) -> None:
    member = make_member(session)
    _card(session, member.id or 0)
    with pytest.raises(IntegrityError), session.begin_nested():
        _card(session, member.id or 0, CardStatus.pending_review, number=new_card_number())


# ---------------------------------------------------------------- issuing and approval


def test_issue_card_returns_the_existing_current_card_and_keeps_the_transaction_usable(
    session: Session,
) -> None:
    member = make_member(session, "Çağrı Işık")
    first, issued = issue_card(session, member.id or 0, member.full_name)
    assert issued and first.status == CardStatus.active and first.holder_name == "Çağrı Işık"
    again, issued_again = issue_card(session, member.id or 0, member.full_name, pending_review=True)
    assert (again.id, issued_again) == (first.id, False)  # the index said no; the savepoint was rolled back
    cards = session.exec(select(Card).where(Card.member_id == member.id)).all()
    assert [c.id for c in cards] == [first.id]


def test_an_active_card_queues_its_welcome_once_and_a_held_card_only_when_approved(session: Session) -> None:
    staff = make_user(session)
    active, _ = issue_card(session, make_member(session).id or 0, "Ayşe Yılmaz")
    held, _ = issue_card(session, make_member(session).id or 0, "Mehmet Öz", pending_review=True)

    def welcomes(card: Card) -> int:
        return len(session.exec(select(Message).where(Message.card_id == card.id)).all())

    assert (welcomes(active), welcomes(held)) == (1, 0)
    approved = approve_card(session, format_card_number(held.number), actor_user_id=staff.id)
    assert approved.status == CardStatus.active and approved.reviewed_by_user_id == staff.id
    assert approved.reviewed_at is not None
    assert welcomes(held) == 1
    assert approve_card(session, held.number, actor_user_id=staff.id).status == CardStatus.active
    assert welcomes(held) == 1  # approving twice changes nothing


def test_a_revoked_card_cannot_be_approved(session: Session) -> None:
    card = _card(session, make_member(session).id or 0, CardStatus.revoked)
    with pytest.raises(Conflict):
        approve_card(session, card.number, actor_user_id=None)


# ---------------------------------------------------------------- scan and printing


def test_scan_returns_the_card_and_its_member(session: Session) -> None:
    member = make_member(session, "İpek Güneş", "+905321112233")
    _card(session, member.id or 0)
    scan = scan_card(session, "4539 5787 6362 1486")
    assert scan.card.number == VALID and scan.card.number_display == "4539 5787 6362 1486"
    assert (scan.member.id, scan.member.full_name, scan.member.phone) == (
        member.id,
        "İpek Güneş",
        "+905321112233",
    )
    assert scan.active_coupons == []


def test_only_active_cards_are_printed_and_errors_name_the_position(session: Session) -> None:
    ok = _card(session, make_member(session).id or 0)
    held = _card(session, make_member(session).id or 0, CardStatus.pending_review, number=new_card_number())
    assert [c.id for c in printable_cards(session, [ok.number, format_card_number(ok.number)])] == [
        ok.id,
        ok.id,
    ]
    with pytest.raises(Conflict, match="#2"):
        printable_cards(session, [ok.number, held.number])
    with pytest.raises(Invalid, match=r"#2.*check digit") as caught:
        printable_cards(session, [ok.number, _typo(ok.number)])
    assert caught.value.field == "numbers"
    with pytest.raises(NotFound, match="#1"):
        printable_cards(session, [new_card_number()])


@pytest.mark.postgres_only
def test_two_simultaneous_issues_for_one_member_give_one_card(committing_engine: Engine) -> None:
    """The second INSERT waits on the first's row in uq_cards_member_current, then returns that card."""
    with unit_of_work(committing_engine) as session:
        member_id = make_member(session, "Aynı Kişi").id or 0
        session.commit()
    first_flushed, results = threading.Event(), {}

    def first() -> None:
        with Session(committing_engine) as session:
            card, issued = issue_card(session, member_id, "Aynı Kişi")
            first_flushed.set()
            threading.Event().wait(0.5)  # the second is now waiting on our row
            session.commit()
            results["first"] = (card.id, issued)

    def second() -> None:
        first_flushed.wait(5)
        with Session(committing_engine) as session:
            try:
                card, issued = issue_card(session, member_id, "Aynı Kişi")
                session.commit()
                results["second"] = (card.id, issued)
            except Exception as exc:
                results["second"] = repr(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    first_id, first_issued = results["first"]
    assert first_issued is True
    assert results["second"] == (first_id, False), results
    with Session(committing_engine) as session:
        assert len(session.exec(select(Card).where(Card.member_id == member_id)).all()) == 1

"""One greeting per occasion and day (issue 19 point 3): a reminder and its occasion's coupon that go out on
one day are one message (the coupon's, carrying the reminder's words; the reminder is cancelled with the
reason, whichever producer came first); several occasions of a member on one day are one reminder naming
them all."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from loyalty.campaigns.running import run_campaign
from loyalty.messaging.templates import render_message
from loyalty.models.members import Member
from loyalty.models.messages import Message, MessageState
from loyalty.models.occasions import Occasion
from loyalty.occasions.greetings import NAMED_IN, WITH_COUPON
from loyalty.occasions.reminders import queue_occasion_reminders
from tests.builders import SHOP, make_birthday_campaign_run, make_member, make_occasion

NOW = datetime(2026, 3, 1, 5, 0, tzinfo=UTC)  # 08:00 in Istanbul; the birthdays below are on 4 March
BASE = {
    "currency": "TRY",
    "first_name": "Zeynep",
    "shop_name": "Çiçekçi",
    "member_page_url": "http://x/m",
    "opt_out": "RET",
}


def _birthday(session: Session, member: Member, for_whom: str = "self", name: str | None = None) -> Occasion:
    return make_occasion(
        session,
        member,
        for_whom=for_whom,
        relation_name=name,
        purpose="doğum günüm" if for_whom == "self" else "kızımın doğum günü",
        remind_days_before=3,
    )


def _messages(session: Session, member: Member) -> list[Message]:
    session.expire_all()
    query = select(Message).where(Message.member_id == member.id).order_by(Message.id)  # type: ignore[arg-type]
    return list(session.exec(query))


def _text(message: Message, locale: str = "tr") -> str:
    return render_message(message.purpose, locale, "sms", {**message.context, **BASE}).text


def _check_one_greeting(session: Session, member: Member, occasion: Occasion) -> None:
    messages = _messages(session, member)
    [reminder] = [m for m in messages if m.coupon_id is None]
    [coupon] = [m for m in messages if m.coupon_id is not None]
    assert reminder.state == MessageState.cancelled
    assert reminder.error_message == WITH_COUPON
    assert coupon.state == MessageState.queued and coupon.occasion_id == occasion.id
    text = _text(coupon)
    assert "doğum gününüz yaklaşıyor: 4 Mart" in text and "İyi ki doğdunuz" not in text
    assert '"doğum günüm"' in text and str(coupon.context["coupon_code"]) in text


def test_a_reminder_queued_first_goes_with_its_coupon(session: Session) -> None:
    member = make_member(session, "Zeynep Kaya")
    occasion = _birthday(session, member)
    assert queue_occasion_reminders(session, NOW) == 1
    run = make_birthday_campaign_run(session, now=NOW)
    run_campaign(session, run.id or 0, NOW, SHOP)
    _check_one_greeting(session, member, occasion)


def test_a_reminder_after_its_coupon_is_not_a_second_greeting(session: Session) -> None:
    member = make_member(session, "Zeynep Kaya")
    occasion = _birthday(session, member)
    run = make_birthday_campaign_run(session, now=NOW)
    run_campaign(session, run.id or 0, NOW, SHOP)
    queue_occasion_reminders(session, NOW)
    _check_one_greeting(session, member, occasion)
    assert queue_occasion_reminders(session, NOW.replace(hour=6)) == 0  # the next hour's job: nothing again
    assert len(_messages(session, member)) == 2


def test_several_occasions_on_one_day_are_one_reminder_naming_them(session: Session) -> None:
    member = make_member(session, "Zeynep Kaya")
    own = _birthday(session, member)
    daughter = _birthday(session, member, "daughter", "Elif")
    other = make_member(session, "Deniz Ak")  # someone else's birthday is her own message
    _birthday(session, other)
    assert queue_occasion_reminders(session, NOW) == 3
    kept, named = _messages(session, member)
    assert (kept.occasion_id, kept.state) == (own.id, MessageState.queued)
    assert (named.occasion_id, named.state) == (daughter.id, MessageState.cancelled)
    assert named.error_message == NAMED_IN
    assert _text(kept) == (
        "Çiçekçi: Zeynep, doğum gününüz ve kızınız Elif'in doğum günü yaklaşıyor: 4 Mart. http://x/m RET"
    )
    assert "your birthday and your daughter Elif's birthday are coming up on March 4." in _text(kept, "en")
    assert [m.state for m in _messages(session, other)] == [MessageState.queued]
    assert queue_occasion_reminders(session, NOW.replace(hour=6)) == 0
    assert [m.state for m in _messages(session, member)] == [MessageState.queued, MessageState.cancelled]


def test_two_occasions_with_their_coupons_are_two_coupon_messages(session: Session) -> None:
    member = make_member(session, "Zeynep Kaya")
    own = _birthday(session, member)
    daughter = _birthday(session, member, "daughter", "Elif")
    queue_occasion_reminders(session, NOW)
    run = make_birthday_campaign_run(session, now=NOW)
    run_campaign(session, run.id or 0, NOW, SHOP)
    messages = _messages(session, member)
    going = [m for m in messages if m.state == MessageState.queued]
    pairs = sorted((m.occasion_id or 0, m.coupon_id is not None) for m in going)
    assert pairs == [(own.id, True), (daughter.id, True)]
    assert all(m.error_message.startswith("one greeting: ") for m in messages if m.coupon_id is None)  # type: ignore[union-attr]
    texts = {m.occasion_id: _text(m) for m in going}
    assert "doğum gününüz yaklaşıyor" in texts[own.id]
    assert "kızınız Elif'in doğum günü yaklaşıyor" in texts[daughter.id]


def test_an_occasion_without_a_coupon_stays_named_when_its_reminder_goes_with_another_coupon(
    session: Session,
) -> None:
    member = make_member(session, "Zeynep Kaya")
    own = _birthday(session, member)
    anniversary = _birthday(session, member)
    anniversary.kind = "wedding_anniversary"  # the birthday campaign gives it no coupon
    session.add(anniversary)
    session.flush()
    queue_occasion_reminders(session, NOW)
    run = make_birthday_campaign_run(session, now=NOW)
    run_campaign(session, run.id or 0, NOW, SHOP)
    going = [m for m in _messages(session, member) if m.state == MessageState.queued]
    assert [(m.occasion_id, m.coupon_id is not None) for m in going] == [(own.id, True)]
    assert "doğum gününüz ve evlilik yıldönümünüz yaklaşıyor: 4 Mart." in _text(going[0])

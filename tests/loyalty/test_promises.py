"""Issue 10: messages and offers that keep their promises (both databases).

Second person, full Turkish letters and the GSM-7 fold; personal before promotional under the cap and
date-tied messages dropped, never late; a coupon good through the end of its last day; one coupon on both
channels; no blind win-back and detractors left out until reviewed; the opt-out keyword rule and its reply;
the member's page link."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from loyalty.campaigns.audience import AudienceFilter, audience_select
from loyalty.campaigns.lifecycle import create_campaign
from loyalty.campaigns.nps import set_followup
from loyalty.campaigns.preview import preview_campaign
from loyalty.campaigns.running import claim_due_runs, run_audience, run_campaign
from loyalty.campaigns.schemas import CampaignCreate
from loyalty.campaigns.stats import campaign_stats
from loyalty.cards.welcome import queue_card_welcome
from loyalty.core.errors import Gone
from loyalty.core.settings import Settings
from loyalty.coupons.codes import format_code
from loyalty.coupons.redeeming import redeem
from loyalty.delivery.policy import decide
from loyalty.delivery.render import render_outgoing
from loyalty.members.keywords import handle_inbound_sms, keyword_effect
from loyalty.members.links import page_link_key, page_url
from loyalty.messaging.queue import MessageRow, queue
from loyalty.messaging.reach import channels_of
from loyalty.messaging.sms_encoding import fold_to_gsm7, sms_segments
from loyalty.messaging.templates import MESSAGES_DIR, render_message
from loyalty.models.campaigns import Campaign, CampaignRun
from loyalty.models.cards import Card, CardStatus
from loyalty.models.coupons import Coupon
from loyalty.models.members import Channel, Member
from loyalty.models.messages import Category, Message, MessageState
from loyalty.models.occasions import Occasion
from loyalty.models.purchases import Feedback
from loyalty.occasions.vocabulary import for_whom_addressed, for_whom_label
from tests.builders import make_coupon, make_member, make_purchase, make_user, queue_run_messages

NOON = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # 12:00 in Istanbul


def _page(session: Session, settings: Settings, member: Member, issued: datetime) -> str:
    """The member's short page link of that day (the one every message of the day carries)."""
    return page_url(settings.public_base_url, page_link_key(session, member, issued=issued))


def _settings(tmp_path: Path, **extra: Any) -> Settings:
    return Settings(
        env="test",
        secret_key="test-secret-key-not-for-production-0123456789",
        database_url="sqlite://",
        public_base_url="http://testserver",
        outbox_dir=tmp_path / "outbox",
        **extra,
    )


# ---- 1. the shop speaks to the member; one text policy for SMS -------------------------------------------


def test_relations_in_the_second_person_and_the_members_own_words_for_staff() -> None:
    daughter = Occasion(
        member_id=1,
        kind="birthday",
        for_whom="daughter",
        relation_name="Elif",
        purpose="p",
        month=1,
        day=1,
        recurrence="yearly",
        stated_by="m",
    )
    mother = Occasion(
        member_id=1,
        kind="birthday",
        for_whom="mother",
        purpose="p",
        month=1,
        day=1,
        recurrence="yearly",
        stated_by="m",
    )
    assert (
        for_whom_addressed(daughter, "tr") == "kızınız Elif"
        and for_whom_label(daughter, "tr") == "kızım Elif"
    )
    assert for_whom_addressed(daughter, "en") == "your daughter Elif"
    assert for_whom_addressed(mother, "tr") == "anneniz" and for_whom_addressed(mother, "en") == "your mother"


FOLDED = (
    "icin",
    "dogum",
    "gunu",
    "ozel",
    "son gun",
    "cikardik",
    "gosterin",
    "adiniza",
    "Iyi ki",
    "demistiniz",
)


def _values(locale: str) -> dict[str, Any]:
    return {
        "first_name": "Ayşe",
        "member_name": "Ayşe Yılmaz",
        "shop_name": "Köşe",
        "currency": "TRY",
        "unsubscribe_url": "http://x/u/t",
        "member_page_url": "http://x/m/PAGE",
        "opt_out": "OPT-OUT-LINE",
        "occasion_on": date(2026, 12, 9),
        "purpose": "çikolata",
        "for_whom": "daughter",
        "for_whom_label": "kızınız Elif",
        "relation_name": "Elif",
        "kind": "birthday",
        "kind_name": "doğum günü",
        "coupon_code": "ABCD-EFGH-JKM",
        "offer_kind": "percent",
        "offer_value": "15",
        "expires_on": "2026-12-12",
        "card_number": "4000000000000002",
        "holder_name": "Ayşe Yılmaz",
        "holiday_name": "Yılbaşı",
        "confirm_address": "yeni@example.com",
        "confirm_url": "http://x/e/CONFIRM",
    }


@pytest.mark.parametrize("locale", ["tr", "en"])
def test_every_sms_has_full_letters_and_the_opt_out_line_or_the_page_link(locale: str) -> None:
    purposes = sorted({p.name.split(".")[0] for p in (MESSAGES_DIR / locale).glob("*.sms.txt")})
    assert {"holiday_coupon", "birthday_relative", "card_welcome", "sms_opt_out_confirmation"} <= set(
        purposes
    )
    for purpose in purposes:
        text = render_message(purpose, locale, "sms", _values(locale)).text
        if locale == "tr":
            assert not [w for w in FOLDED if w in text], (purpose, text)
        transactional = purpose in ("card_welcome", "sms_opt_out_confirmation")
        assert ("OPT-OUT-LINE" in text) is not transactional, purpose  # every commercial SMS, only those
        if transactional:
            assert "http://x/m/PAGE" in text, purpose  # the member's page instead


def test_every_email_footer_carries_the_members_page(tmp_path: Path) -> None:
    for locale in ("tr", "en"):
        for path in (MESSAGES_DIR / locale).glob("*.email.txt"):
            purpose = path.name.split(".")[0]
            email = render_message(purpose, locale, "email", _values(locale))
            assert "http://x/m/PAGE" in email.text and 'href="http://x/m/PAGE"' in email.html, purpose


def test_the_gsm7_fold_keeps_what_gsm_has_and_folds_the_rest() -> None:
    assert (
        fold_to_gsm7("İyi ki doğdunuz, Işık! Şöyle çiçek: ₺150 “tam”")
        == 'Iyi ki dogdunuz, Isik! Söyle cicek: TL150 "tam"'
    )
    assert fold_to_gsm7("Çok güzel Ö Ü é") == "Çok güzel Ö Ü é"  # in the GSM basic table
    assert sms_segments(fold_to_gsm7("ğüşiöçı" * 40 + "😀")).encoding == "GSM-7"
    values = _values("tr")
    full = render_message("birthday_relative", "tr", "sms", values)
    folded = render_message("birthday_relative", "tr", "sms", values, gsm7_only=True)
    assert sms_segments(full.text).encoding == "UCS-2" and "kızınız Elif'in doğum günü" in full.text
    assert sms_segments(folded.text).encoding == "GSM-7" and "kiziniz Elif'in dogum günü" in folded.text
    assert sms_segments(folded.text).segments < sms_segments(full.text).segments


# ---- 3. personal before promotional; a message tied to a date is never late ------------------------------


def _queue(session: Session, member: Member, key: str, category: Category, **fields: Any) -> Message:
    [mid] = queue(
        session,
        [
            MessageRow(
                member_id=member.id or 0,
                requested_channel="sms",
                dedupe_key=key,
                purpose="birthday_self",
                category=category,
                context={"occasion_on": "2026-12-09"},
                **fields,
            )
        ],
        now=NOON,
    )
    message = session.get(Message, mid)
    assert message is not None
    return message


def _sent(session: Session, member: Member, key: str, at: datetime, category: Category) -> None:
    message = _queue(session, member, key, category)
    message.state, message.claimed_at, message.sent_at = MessageState.sent, at, at
    session.add(message)
    session.flush()


def test_the_cap_never_defers_a_personal_message_and_personal_ones_do_not_use_it_up(
    session: Session, tmp_path: Path
) -> None:
    settings = _settings(tmp_path)
    member = make_member(session)
    _sent(session, member, "coupon:g1", NOON - timedelta(days=3), Category.promotional)
    _sent(session, member, "coupon:g2", NOON - timedelta(days=1), Category.promotional)
    reminder = _queue(session, member, "occasion:1:2026-12-09", Category.personal)
    assert decide(session, reminder, member, NOON, settings).action == "send"  # the cap is full: still goes

    other = make_member(session)  # issue 19 point 5: a birthday reminder does not cost a promotion
    _sent(session, other, "occasion:2:2026-12-09", NOON - timedelta(days=2), Category.personal)
    _sent(session, other, "welcome:2", NOON - timedelta(days=2), Category.transactional)
    _sent(session, other, "coupon:g3", NOON - timedelta(days=1), Category.promotional)
    promo = _queue(session, other, "coupon:g4", Category.promotional)
    assert decide(session, promo, other, NOON, settings).action == "send"
    _sent(session, other, "coupon:g5", NOON - timedelta(hours=1), Category.promotional)
    decision = decide(session, promo, other, NOON, settings)
    assert decision.action == "defer" and decision.reason == "frequency cap"  # two promotions: full


def test_one_coupon_on_sms_and_email_is_one_promotion_for_the_cap(session: Session, tmp_path: Path) -> None:
    """Issue 19 point 5: "both" counted twice deferred the next promotion of every member on both channels."""
    settings = _settings(tmp_path)
    member = make_member(session, email="b@example.com", email_opt_in=True)
    c71, c72, c73 = (make_coupon(session, member, valid_from=NOON - timedelta(days=2)).id for _ in range(3))
    for channel in ("sms", "email"):  # coupon 71 went out on both channels
        message = _queue(session, member, f"coupon:71:{channel}", Category.promotional, coupon_id=c71)
        message.channel = Channel(channel)
        message.state, message.claimed_at = MessageState.sent, NOON - timedelta(days=1)
        session.add(message)
    session.flush()
    second = _queue(session, member, "coupon:72", Category.promotional, coupon_id=c72)
    assert decide(session, second, member, NOON, settings).action == "send"  # one promotion so far, cap 2
    second.state, second.claimed_at = MessageState.sent, NOON
    session.add(second)
    session.flush()
    third = _queue(session, member, "coupon:73", Category.promotional, coupon_id=c73)
    assert decide(session, third, member, NOON + timedelta(minutes=1), settings).action == "defer"
    # coupon 72's e-mail twin is the same promotion: the full cap never holds it back
    twin = _queue(session, member, "coupon:72:email", Category.promotional, coupon_id=c72)
    assert decide(session, twin, member, NOON + timedelta(minutes=1), settings).action == "send"


def test_a_message_tied_to_a_date_is_dropped_with_its_reason_never_sent_late(
    session: Session, tmp_path: Path
) -> None:
    settings = _settings(tmp_path)
    member = make_member(session)
    for n in (1, 2):
        _sent(session, member, f"coupon:p{n}", NOON - timedelta(days=n), Category.promotional)
    holiday_end = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)  # the end of 3 December in Istanbul
    promo = _queue(
        session,
        member,
        "coupon:late",
        Category.promotional,
        expires_at=NOON + timedelta(days=14),
        send_by=holiday_end,
    )
    decision = decide(session, promo, member, NOON, settings)  # the cap frees only after the holiday
    assert (
        decision.action == "cancel" and "2026-12-09" in decision.reason and "not sent late" in decision.reason
    )
    # past the day itself: cancelled whatever the cap
    fresh = make_member(session)
    tied = _queue(session, fresh, "occasion:9:2026-12-09", Category.personal, send_by=holiday_end)
    assert decide(session, tied, fresh, holiday_end, settings).action == "cancel"
    # quiet hours that would push it past its day: cancelled, not deferred
    evening = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)  # 22:00 in Istanbul
    assert decide(session, tied, fresh, evening, settings).action == "cancel"
    assert decide(session, tied, fresh, evening - timedelta(hours=4), settings).action == "send"


# ---- 4. a coupon is good through the end of the last day printed on it ----------------------------------


def _date_campaign(channel: str = "sms", **audience: Any) -> CampaignCreate:
    return CampaignCreate.model_validate(
        {
            "name": "Kış",
            "trigger": {"type": "date", "send_at": "2026-12-02T10:00"},
            "audience": audience,
            "offer": {"kind": "percent", "value": "10", "valid_days": 7},
            "channel": channel,
        }
    )


def _run(session: Session, data: CampaignCreate, settings: Settings) -> int:
    campaign = create_campaign(
        session, data, actor="user:mk", now=NOON - timedelta(days=1), settings=settings
    )
    at = datetime(2026, 12, 2, 7, 1, tzinfo=UTC)
    [run_id] = claim_due_runs(session, at)
    run_campaign(session, run_id, at, settings)
    return campaign.id or 0


def test_the_text_the_counter_and_expires_at_agree_on_the_last_day(session: Session, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    member = make_member(session, full_name="Ayşe Yılmaz")
    make_purchase(session, member, occurred_at=NOON - timedelta(days=3))
    campaign_id = _run(session, _date_campaign(), settings)
    coupon = session.exec(select(Coupon).where(Coupon.campaign_id == campaign_id)).one()
    assert coupon.expires_at == datetime(2026, 12, 9, 21, 0, tzinfo=UTC)  # 9 December ends at 00:00 local
    message = session.exec(select(Message).where(Message.coupon_id == coupon.id)).one()
    assert message.context["expires_on"] == "2026-12-09"
    out = render_outgoing(session, message, member, Channel.sms, settings)
    assert "son gün 9 Aralık." in out.text
    staff = make_user(session)
    with pytest.raises(Gone):  # 00:00 on 10 December, local
        redeem(
            session, coupon.code, actor_user_id=staff.id or 0, now=datetime(2026, 12, 9, 21, 0, tzinfo=UTC)
        )
    redeemed = redeem(
        session, coupon.code, actor_user_id=staff.id or 0, now=datetime(2026, 12, 9, 20, 59, 59, tzinfo=UTC)
    )  # 23:59:59 local
    assert redeemed.status == "redeemed"


# ---- 5. one campaign, one coupon per member on every channel it uses -----------------------------------


def test_both_channels_one_code_each_channel_its_own_consent_counted_once(
    session: Session, tmp_path: Path
) -> None:
    settings = _settings(tmp_path)
    both = make_member(session, email="b@example.com", email_opt_in=True)
    sms_only = make_member(session, email="s@example.com", email_opt_in=False)
    email_only = make_member(session, sms=False, email="e@example.com", email_opt_in=True)
    neither = make_member(session, sms=False)
    for m in (both, sms_only, email_only, neither):
        make_purchase(session, m, occurred_at=NOON - timedelta(days=3))
    campaign_id = _run(session, _date_campaign("both"), settings)
    coupons = {c.member_id: c for c in session.exec(select(Coupon).where(Coupon.campaign_id == campaign_id))}
    assert set(coupons) == {both.id, sms_only.id, email_only.id}  # reachable on either
    messages = session.exec(select(Message).where(Message.campaign_id == campaign_id)).all()
    channels = sorted((m.member_id, m.channel) for m in messages)
    assert channels == sorted(
        [(both.id, "sms"), (both.id, "email"), (sms_only.id, "sms"), (email_only.id, "email")]
    )
    pair = [m for m in messages if m.member_id == both.id]
    assert {m.context["coupon_code"] for m in pair} == {format_code(coupons[both.id or 0].code)}  # one code
    assert {m.dedupe_key for m in pair} == {f"coupon:{coupons[both.id or 0].id}"}  # one key per channel
    run_id = session.exec(select(Coupon.run_id)).first() or 0
    assert queue_run_messages(session, run_id, NOON - timedelta(hours=2)) == 0  # idempotent

    staff = make_user(session)
    redeem(
        session,
        coupons[both.id or 0].code,
        purchase_amount=Decimal("400"),
        actor_user_id=staff.id or 0,
        now=datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
    )
    stats = campaign_stats(session, campaign_id, timezone_name="Europe/Istanbul", now=NOON)
    assert (stats.coupons, stats.redeemed, stats.revenue) == (3, 1, Decimal("400.00"))

    preview = preview_campaign(session, campaign_id, settings=settings, now=NOON - timedelta(days=1))
    assert preview.audience == {"sms": 2, "email": 2, "total": 3}
    assert {(s.locale, s.channel) for s in preview.samples} >= {("tr", "sms"), ("tr", "email")}


def test_a_run_queues_each_member_on_the_channel_its_audience_computed(
    session: Session, tmp_path: Path
) -> None:
    """Issue 18.2: the audience computes each member's channel once; the run's messages go on exactly that
    channel (``preferred``: the preferred one if reachable there, else the other)."""
    settings = _settings(tmp_path)
    prefers_sms = make_member(session, email="a@example.com", email_opt_in=True)
    prefers_email = make_member(session, email="b@example.com", email_opt_in=True, preferred_channel="email")
    email_refused = make_member(session, email="c@example.com", preferred_channel="email")
    sms_refused = make_member(session, sms=False, email="d@example.com", email_opt_in=True)
    for m in (prefers_sms, prefers_email, email_refused, sms_refused):
        make_purchase(session, m, occurred_at=NOON - timedelta(days=3))
    campaign_id = _run(session, _date_campaign("preferred"), settings)
    campaign = session.get(Campaign, campaign_id)
    run = session.exec(select(CampaignRun).where(CampaignRun.campaign_id == campaign_id)).one()
    assert campaign is not None
    audience = run_audience(campaign, run, run.issue_at, lapsed_days=settings.lapsed_days)
    computed = {(row.member_id, ch) for row in session.execute(audience) for ch in channels_of(row.channel)}
    messages = session.exec(select(Message).where(Message.campaign_id == campaign_id)).all()
    assert {(m.member_id, m.channel) for m in messages} == computed
    assert computed == {
        (prefers_sms.id, "sms"),
        (prefers_email.id, "email"),
        (email_refused.id, "sms"),
        (sms_refused.id, "email"),
    }


# ---- 7. no blind win-back; detractors wait for a review -------------------------------------------------


def test_default_audience_leaves_out_the_lapsed_and_detractors_until_reviewed(session: Session) -> None:
    now = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
    regular = make_member(session)
    make_purchase(session, regular, occurred_at=now - timedelta(days=20))
    lapsed = make_member(session)
    make_purchase(session, lapsed, occurred_at=now - timedelta(days=400))
    new = make_member(session, created_at=now - timedelta(days=10))  # never bought, just registered
    dormant = make_member(session, created_at=now - timedelta(days=300))  # never bought in 300 days
    unhappy = make_member(session)
    make_purchase(session, unhappy, occurred_at=now - timedelta(days=5))
    session.add(Feedback(member_id=unhappy.id or 0, score=9, created_at=now - timedelta(days=9)))
    session.add(Feedback(member_id=unhappy.id or 0, score=3, created_at=now - timedelta(days=4)))
    happy_again = make_member(session)
    make_purchase(session, happy_again, occurred_at=now - timedelta(days=5))
    session.add(Feedback(member_id=happy_again.id or 0, score=2, created_at=now - timedelta(days=9)))
    session.add(Feedback(member_id=happy_again.id or 0, score=9, created_at=now - timedelta(days=4)))
    reviewed = make_member(session)
    make_purchase(session, reviewed, occurred_at=now - timedelta(days=5))
    session.add(Feedback(member_id=reviewed.id or 0, score=4, created_at=now - timedelta(days=6)))
    session.add(
        Card(
            member_id=reviewed.id or 0,
            number="4000000000009990",
            holder_name="R",
            status=CardStatus.active,
            reviewed_at=now - timedelta(days=2),
        )
    )
    session.flush()
    mine = {m.id for m in (regular, lapsed, new, dormant, unhappy, happy_again, reviewed)}

    def ids(**filters: Any) -> set[int]:
        query = audience_select(AudienceFilter(**filters), channel="sms", now=now, lapsed_default=180)
        return {row.member_id for row in session.execute(query)} & mine

    assert ids() == {regular.id, new.id, happy_again.id, reviewed.id}
    assert ids(lapsed_days=180) == {lapsed.id}  # only when marketing asks for them


def test_occasion_coupons_reach_the_lapsed_and_a_resolved_detractor_is_released(session: Session) -> None:
    """Issue 19 point 6: lapse and review hold back the shop's promotions, not what the member asked for;
    resolving a card-less detractor's follow-up brings her back."""
    now = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
    lapsed = make_member(session)
    make_purchase(session, lapsed, occurred_at=now - timedelta(days=185))
    unhappy = make_member(session)  # no card: a card review can never release her
    make_purchase(session, unhappy, occurred_at=now - timedelta(days=5))
    feedback = Feedback(member_id=unhappy.id or 0, score=2, created_at=now - timedelta(days=4))
    session.add(feedback)
    for member in (lapsed, unhappy):
        session.add(
            Occasion(
                member_id=member.id or 0,
                kind="birthday",
                purpose="pasta",
                month=6,
                day=4,
                recurrence="yearly",
                stated_by="member",
            )
        )
    session.flush()
    mine = {lapsed.id, unhappy.id}

    def ids(occasion: bool) -> set[int]:
        wanted = (["birthday"], None, date(2027, 6, 4)) if occasion else None
        query = audience_select(AudienceFilter(), channel="sms", now=now, lapsed_default=180, occasion=wanted)
        return {row.member_id for row in session.execute(query)} & mine

    assert ids(occasion=False) == set()  # the shop's promotion: neither
    assert ids(occasion=True) == mine  # their birthday coupons: both
    set_followup(session, feedback.id or 0, "resolved", note=None, actor="user:staff", now=now)
    assert ids(occasion=False) == {unhappy.id}


# ---- 8. opt-out keywords and the one confirmation --------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "effect"),
    [
        ("RET", False),
        ("Ret lütfen", False),
        ("İPTAL edin lütfen", False),
        ("stop.", False),
        ("iptal", False),
        ("IPTAL", False),
        ("stop sending me the menu please", None),
        ("bu ret mesajı neden geldi acaba", None),
        ("START", True),
        ("BAŞLA", True),
        ("yes please", None),
        ("", None),
        ("merhaba", None),
        # issue 19 point 7: a negated keyword is not an opt-out; a clear RET/STOP/İPTAL/DUR still is
        ("İptal etmeyin lütfen", None),
        ("iptal etmeyin", None),
        ("ret etmeyin lütfen", None),
        ("RET ETMEYİNİZ", None),
        ("don't stop", None),
        ("do not cancel", None),
        ("iptal değil", None),
        ("DUR", False),
        ("dur lütfen", False),
        ("STOP", False),
        ("İPTAL", False),
        ("iptal ediyorum", False),
    ],
)
def test_the_keyword_rule(body: str, effect: bool | None) -> None:
    assert keyword_effect(body) is effect


def test_a_negated_keyword_leaves_the_consent_and_sends_nothing(session: Session) -> None:
    member = make_member(session, full_name="Ece Kaya")
    assert (
        handle_inbound_sms(session, sender=member.phone, body="İptal etmeyin lütfen", message_sid="SM1")
        is None
    )
    session.refresh(member)
    assert member.sms_opt_in is True
    assert session.exec(select(Message).where(Message.member_id == member.id)).all() == []
    assert handle_inbound_sms(session, sender=member.phone, body="DUR", message_sid="SM2") is False
    session.refresh(member)
    assert member.sms_opt_in is False


def test_an_opt_out_gets_one_confirmation_sent_whatever_the_consent(session: Session, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    member = make_member(session, full_name="Ayşe Yılmaz")
    assert (
        handle_inbound_sms(session, sender=member.phone, body="Ret lütfen", message_sid="SMin1", now=NOON)
        is False
    )
    assert (
        handle_inbound_sms(session, sender=member.phone, body="Ret lütfen", message_sid="SMin1", now=NOON)
        is False
    )
    session.refresh(member)
    assert member.sms_opt_in is False
    [reply] = session.exec(select(Message).where(Message.member_id == member.id)).all()  # a replay: still one
    assert (reply.dedupe_key, reply.category, reply.channel) == ("optout:SMin1", "transactional", "sms")
    late = NOON.replace(hour=20)  # 23:00 in Istanbul: a reply goes at once, quiet hours or not
    assert decide(session, reply, member, late, settings).action == "send"
    out = render_outgoing(session, reply, member, Channel.sms, settings)
    assert "SMS listemizden çıktınız" in out.text
    assert _page(session, settings, member, reply.created_at) in out.text
    # a promotion queued before is still not sent on SMS
    promo = _queue(session, member, "coupon:after", Category.promotional)
    assert decide(session, promo, member, NOON, settings).action == "cancel"


# ---- 9. the member's page link in the card welcome ------------------------------------------------------


@pytest.mark.parametrize("channel", [Channel.sms, Channel.email])
def test_the_card_welcome_carries_the_members_page(
    session: Session, tmp_path: Path, channel: Channel
) -> None:
    settings = _settings(tmp_path)
    member = make_member(session, email="w@example.com", email_opt_in=True, preferred_channel=channel.value)
    card = Card(
        member_id=member.id or 0, number="4000000000001234", holder_name="Ayşe", status=CardStatus.active
    )
    session.add(card)
    session.flush()
    queue_card_welcome(session, card.id or 0, now=NOON)
    message = session.exec(select(Message).where(Message.card_id == card.id)).one()
    out = render_outgoing(session, message, member, channel, settings)
    page = _page(session, settings, member, message.created_at)
    assert len(page.removeprefix(settings.public_base_url)) <= 40  # a short link
    assert page in out.text and "RET" not in out.text  # transactional: the page, not an opt-out line
    if channel == Channel.email:
        assert f'href="{page}"' in out.html

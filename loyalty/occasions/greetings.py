"""One greeting per occasion and day (issue 19 point 3).

Reminders and occasion coupons are queued by their own producers (``reminders``, the campaign run), each
exactly once by its dedupe key. ``merge_greetings`` then looks at a member's queued personal messages about
occasions that go out on one local day:

- a reminder whose occasion also has a coupon message that day is cancelled ("one greeting: ..."): the
  coupon message carries the reminder's words (its context gains the reminder's values, and the other
  occasions the reminder named that have no coupon of their own);
- several reminders left for different occasions become one: the first (lowest occasion id) names the others
  (``more_occasions``, worded by ``messaging.wording``) and the rest are cancelled with the reason.

Only ``queued`` rows are touched (on PostgreSQL locked ``FOR UPDATE SKIP LOCKED``, so a row a sender holds is
left as it is); cancelled rows keep their dedupe key, so a later run of a producer never queues them again.
Flushes, never commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlmodel import Session, col, select

from loyalty.core.db import is_postgres
from loyalty.core.zones import local_date
from loyalty.messaging.claims import set_state
from loyalty.messaging.outbox import chunks
from loyalty.messaging.wording import more_occasion_facts
from loyalty.models.members import Member
from loyalty.models.messages import Category, Message, MessageState

# reasons without row ids: the forecast (rolled back; PostgreSQL's sequences are not) says the same words
WITH_COUPON = "one greeting: goes with its coupon message of the day"
NAMED_IN = "one greeting: named in the reminder of another occasion that day"


def _queued_greetings(session: Session, member_ids: list[int]) -> list[tuple[Message, str]]:
    query = (
        select(Message, Member.timezone)
        .join(Member, col(Member.id) == col(Message.member_id))
        .where(
            col(Message.member_id).in_(member_ids),
            col(Message.state) == MessageState.queued.value,
            col(Message.category) == Category.personal.value,
            col(Message.occasion_id).is_not(None),
        )
        .order_by(col(Message.id))
        .execution_options(populate_existing=True)
    )
    if is_postgres(session):
        query = query.with_for_update(of=Message, skip_locked=True)
    return [(message, zone) for message, zone in session.exec(query)]


def merge_greetings(session: Session, member_ids: Iterable[int], now: datetime) -> int:
    """Merge the members' greetings that go out on one local day (see the module). Returns how many
    messages were cancelled into another."""
    merged = 0
    for chunk in chunks(sorted(set(member_ids)), 1000):
        days: dict[tuple[int, date], list[Message]] = defaultdict(list)
        for message, zone in _queued_greetings(session, chunk):
            days[(message.member_id or 0, local_date(message.not_before, zone))].append(message)
        for group in days.values():
            merged += _merge_day(session, group, now)
    return merged


def _merge_day(session: Session, group: list[Message], now: datetime) -> int:
    coupons: dict[int, list[Message]] = defaultdict(list)
    reminders: list[Message] = []
    for message in group:
        if message.coupon_id is not None:
            coupons[message.occasion_id or 0].append(message)
        else:
            reminders.append(message)
    merged = 0
    left: list[Message] = []
    for reminder in reminders:
        carriers = coupons.get(reminder.occasion_id or 0)
        if not carriers:
            left.append(reminder)
            continue
        # the occasions the reminder named besides its own go with this coupon, unless they have their own
        named = [
            facts
            for facts in reminder.context.get("more_occasions") or []
            if not coupons.get(int(facts[5]) if len(facts) > 5 else 0)
        ]
        for carrier in carriers:  # the coupon's own values win (its code, its days before)
            words = {k: v for k, v in reminder.context.items() if k not in ("more_occasions", "purpose")}
            carrier.context = {**words, **carrier.context} | ({"more_occasions": named} if named else {})
            session.add(carrier)
        set_state(session, reminder, MessageState.cancelled, WITH_COUPON, now, error_message=WITH_COUPON)
        merged += 1
    if len(left) > 1:
        keeper, *others = sorted(left, key=lambda m: (m.occasion_id or 0, m.id or 0))
        named = list(keeper.context.get("more_occasions") or [])
        for other in others:
            named.append(more_occasion_facts({**other.context, "occasion_id": other.occasion_id}))
            set_state(session, other, MessageState.cancelled, NAMED_IN, now, error_message=NAMED_IN)
            merged += 1
        # the purpose each told us belongs to one occasion: a message naming several does not quote one
        keeper.context = {**keeper.context, "more_occasions": named, "purpose": ""}
        session.add(keeper)
    session.flush()
    return merged

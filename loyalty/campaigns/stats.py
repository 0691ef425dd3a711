"""A campaign's results: targeted, coupons, sent, delivered, failed, redeemed and revenue, and the messages
deferred, dropped and cancelled with their reasons (issue 19), overall and per local day of the shop's
zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col

from loyalty.campaigns.schemas import CampaignStats, DayStats, FateCount
from loyalty.core.clock import utcnow
from loyalty.core.db import is_postgres
from loyalty.core.zones import zone_of
from loyalty.messaging.fates import DEFERRED, deferred_reason, fate_of, is_dropped
from loyalty.models.campaigns import CampaignRun
from loyalty.models.coupons import COUPONS
from loyalty.models.messages import EVENTS, MESSAGES, Category, MessageState


def _local_day(session: Session, column: Any, zone: ZoneInfo, now: datetime) -> Any:
    if is_postgres(session):
        return sa.cast(sa.func.timezone(zone.key, column), sa.Date)
    offset = int((now.astimezone(zone).utcoffset() or timedelta()).total_seconds() // 60)
    return sa.func.date(column, f"{offset:+d} minutes")  # SQLite: the zone's current UTC offset


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def first_coupon_of_purchase() -> sa.ColumnElement[bool]:
    """The redeemed coupon a purchase's revenue is attributed to: of the coupons one member redeemed at one
    moment (one purchase), the first issued. A purchase is counted once, in one campaign."""
    other = COUPONS.alias("other")
    c = COUPONS.c
    return sa.not_(
        sa.exists().where(
            other.c.member_id == c.member_id,
            other.c.status == "redeemed",
            other.c.redeemed_at == c.redeemed_at,
            other.c.id < c.id,
        )
    )


def campaign_stats(
    session: Session, campaign_id: int, *, timezone_name: str, now: datetime | None = None
) -> CampaignStats:
    """Targeted (from the runs), coupons and redemptions (coupons table), sent/delivered/failed (messages
    table); overall and per local day of the shop's zone (each figure on the day it happened)."""
    now = now or utcnow()
    zone = zone_of(timezone_name)
    c, m = COUPONS.c, MESSAGES.c
    targeted = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(col(CampaignRun.targeted)), 0)).where(
            col(CampaignRun.campaign_id) == campaign_id
        )
    ).scalar_one()
    days: dict[date, DayStats] = {}

    def bump(rows: Any, field: str) -> None:
        for day, value in rows:
            if day is None:
                continue
            entry = days.setdefault(_as_date(day), DayStats(day=_as_date(day)))
            setattr(entry, field, getattr(entry, field) + (value if value is not None else 0))

    def per_day(table: Any, column: Any, *where: Any, value: Any = None) -> Any:
        day = _local_day(session, column, zone, now).label("day")
        amount = value if value is not None else sa.func.count()
        return session.execute(sa.select(day, amount).select_from(table).where(*where).group_by(day))

    mine_c = c.campaign_id == campaign_id
    mine_m = sa.and_(m.campaign_id == campaign_id, m.category != Category.test.value)  # tests count nowhere
    redeemed = c.status == "redeemed"
    attributed = first_coupon_of_purchase()
    bump(per_day(COUPONS, c.valid_from, mine_c), "coupons")
    bump(per_day(MESSAGES, m.sent_at, mine_m, m.state.in_(["sent", "delivered"])), "sent")
    bump(per_day(MESSAGES, m.delivered_at, mine_m, m.state == "delivered"), "delivered")
    bump(per_day(MESSAGES, m.updated_at, mine_m, m.state == "failed"), "failed")
    bump(per_day(COUPONS, c.redeemed_at, mine_c, redeemed), "redeemed")
    bump(
        per_day(
            COUPONS,
            c.redeemed_at,
            mine_c,
            redeemed,
            attributed,
            value=sa.func.sum(c.redeemed_purchase_amount),
        ),
        "revenue",
    )
    coupons = session.execute(sa.select(sa.func.count()).where(mine_c)).scalar_one()
    counts = dict(
        tuple(row)
        for row in session.execute(sa.select(m.state, sa.func.count()).where(mine_m).group_by(m.state))
    )
    red = session.execute(sa.select(sa.func.count()).where(mine_c, redeemed)).scalar_one()
    revenue = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(c.redeemed_purchase_amount), 0)).where(
            mine_c, redeemed, attributed
        )
    ).scalar_one()
    fates = _fates(session, mine_m)
    deferral_day = _local_day(session, EVENTS.c.at, zone, now).label("day")
    deferred_ids = sa.select(m.id).where(mine_m)
    bump(
        session.execute(
            sa.select(deferral_day, sa.func.count(sa.distinct(EVENTS.c.message_id)))
            .where(EVENTS.c.state == DEFERRED, EVENTS.c.message_id.in_(deferred_ids))
            .group_by(deferral_day)
        ),
        "deferred",
    )
    cancelled_day = _local_day(session, m.updated_at, zone, now).label("day")
    for day, reason, n in session.execute(
        sa.select(cancelled_day, m.error_message, sa.func.count())
        .where(mine_m, m.state == MessageState.cancelled.value)
        .group_by(cancelled_day, m.error_message)
    ):
        bump([(day, int(n))], "dropped" if is_dropped(reason) else "cancelled")
    return CampaignStats(
        deferred=sum(f.messages for f in fates if f.fate == "deferred"),
        dropped=sum(f.messages for f in fates if f.fate == "dropped"),
        cancelled=sum(f.messages for f in fates if f.fate == "cancelled"),
        reasons=fates,
        targeted=int(targeted),
        coupons=int(coupons),
        sent=int(counts.get("sent", 0)) + int(counts.get("delivered", 0)),
        delivered=int(counts.get("delivered", 0)),
        failed=int(counts.get("failed", 0)),
        redeemed=int(red),
        redemption_rate=round(int(red) / int(coupons), 4) if coupons else 0.0,
        revenue=Decimal(revenue).quantize(Decimal("0.01")),
        per_day=[days[d] for d in sorted(days)],
    )


def _fates(session: Session, mine: sa.ColumnElement[bool]) -> list[FateCount]:
    """Messages per (fate, reason): deferred ones by their latest deferral's reason (a message deferred
    and then sent still counts as deferred once), dropped/cancelled/failed by their recorded reason."""
    m, e = MESSAGES.c, EVENTS.c
    out: dict[tuple[str, str], int] = {}
    latest = (
        sa.select(e.message_id, sa.func.max(e.id).label("event_id"))
        .where(e.state == DEFERRED, e.message_id.in_(sa.select(m.id).where(mine)))
        .group_by(e.message_id)
        .subquery()
    )
    for (detail,) in session.execute(sa.select(e.detail).join(latest, latest.c.event_id == e.id)):
        key = ("deferred", deferred_reason(detail))
        out[key] = out.get(key, 0) + 1
    for state, reason, n in session.execute(
        sa.select(m.state, m.error_message, sa.func.count())
        .where(mine, m.state.in_([MessageState.cancelled.value, MessageState.failed.value]))
        .group_by(m.state, m.error_message)
    ):
        fate = fate_of(str(state), reason, deferred=False)
        key = (fate, reason or "")
        out[key] = out.get(key, 0) + int(n)
    order = {"deferred": 0, "dropped": 1, "cancelled": 2, "failed": 3}
    return [
        FateCount(fate=fate, reason=reason, messages=n)
        for (fate, reason), n in sorted(out.items(), key=lambda item: (order.get(item[0][0], 9), -item[1]))
    ]

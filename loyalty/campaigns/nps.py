"""NPS from the 0-10 feedback: overall and per store, campaign, segment or month, and the detractors'
comments with staff's follow-up (open -> contacted -> resolved).

Promoters score 9-10, passives 7-8, detractors 0-6; NPS = % promoters - % detractors (-100..100). Days are
the shop's local days (``from`` and ``to`` inclusive). A response belongs to:
- store: the store of the purchase it was given for, else the member's home store ("none" otherwise);
- campaign: each campaign of which the member held a coupon valid when the feedback was given;
- segment: each saved segment whose filter the member matches today;
- month: the local month it was given in.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from loyalty.campaigns.audience import AudienceFilter, filter_conditions
from loyalty.campaigns.schemas import DetractorComment, NpsFigures, NpsGroup, NpsReport
from loyalty.core.clock import utcnow
from loyalty.core.errors import Invalid, NotFound
from loyalty.core.languages import language_of
from loyalty.core.zones import local_date, zone_of
from loyalty.models.campaigns import Campaign
from loyalty.models.coupons import COUPONS
from loyalty.models.members import Member
from loyalty.models.purchases import Feedback, FollowUp, Purchase
from loyalty.models.segments import Segment
from loyalty.models.stores import Store
from loyalty.purchases.feedback import DETRACTOR_MAX, PROMOTER_MIN, SCORE_MIN

GROUPS = ("store", "campaign", "segment", "month")
MAX_SPAN_DAYS = 3700
MONTHS = {
    "tr": ("Oca", "Şub", "Mar", "Nis", "May", "Haz", "Tem", "Ağu", "Eyl", "Eki", "Kas", "Ara"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def figures(scores: list[int]) -> NpsFigures:
    promoters = sum(1 for s in scores if s >= PROMOTER_MIN)
    detractors = sum(1 for s in scores if s <= DETRACTOR_MAX)
    n = len(scores)
    score = round(100 * (promoters - detractors) / n, 1) if n else None
    return NpsFigures(
        responses=n,
        promoters=promoters,
        passives=n - promoters - detractors,
        detractors=detractors,
        score=score,
    )


def span(
    date_from: date | None, date_to: date | None, *, timezone_name: str, now: datetime | None = None
) -> tuple[date, date, datetime, datetime]:
    """(from, to, start instant, end instant): default the last 12 months to today, local days inclusive."""
    zone = zone_of(timezone_name)
    today = local_date(now or utcnow(), zone.key)
    date_to = date_to or today
    date_from = date_from or (date_to.replace(day=1) - timedelta(days=335)).replace(day=1)
    if date_from > date_to:
        raise Invalid("from", "campaigns.from_after")
    if (date_to - date_from).days > MAX_SPAN_DAYS:
        raise Invalid("from", "campaigns.most_days", max_span_days=MAX_SPAN_DAYS)
    start = datetime.combine(date_from, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return date_from, date_to, start, end


def nps_report(
    session: Session,
    *,
    date_from: date | None,
    date_to: date | None,
    group_by: str,
    timezone_name: str,
    lang: str = "tr",
    now: datetime | None = None,
) -> NpsReport:
    if group_by not in GROUPS:
        raise Invalid("group_by", "campaigns.group_one", groups=', '.join(GROUPS))
    now = now or utcnow()
    first, last, start, end = span(date_from, date_to, timezone_name=timezone_name, now=now)
    rows = session.execute(
        sa.select(
            col(Feedback.id),
            col(Feedback.member_id),
            col(Feedback.score),
            col(Feedback.created_at),
            sa.func.coalesce(col(Purchase.store_id), col(Member.home_store_id)).label("store_id"),
        )
        .select_from(Feedback)
        .join(Member, col(Member.id) == col(Feedback.member_id))
        .outerjoin(Purchase, col(Purchase.id) == col(Feedback.purchase_id))
        .where(col(Feedback.created_at) >= start, col(Feedback.created_at) < end)
        .order_by(col(Feedback.id))
    ).all()
    groups: dict[str, tuple[str, list[int]]] = {}
    keys = _group_keys(session, rows, group_by, timezone_name, lang, now)
    for row in rows:
        for key, label in keys.get(row.id, []):
            groups.setdefault(key, (label, []))[1].append(int(row.score))
    ordered = sorted(groups) if group_by == "month" else sorted(groups, key=lambda k: groups[k][0].casefold())
    return NpsReport(
        group_by=group_by,
        date_from=first,
        date_to=last,
        overall=figures([int(r.score) for r in rows]),
        groups=[NpsGroup(key=k, label=groups[k][0], **figures(groups[k][1]).model_dump()) for k in ordered],
    )


def monthly_trend(report: NpsReport, lang: str = "tr") -> list[NpsGroup]:
    """Every month of the report's range, in order; a month without responses has no score (a gap)."""
    names = MONTHS[language_of(lang)]
    found = {g.key: g for g in report.groups}
    out: list[NpsGroup] = []
    month = report.date_from.replace(day=1)
    while month <= report.date_to:
        key = f"{month:%Y-%m}"
        out.append(found.get(key) or NpsGroup(key=key, label=f"{names[month.month - 1]} {month.year}"))
        month = (month + timedelta(days=32)).replace(day=1)
    return out


def _group_keys(
    session: Session, rows: Any, group_by: str, timezone_name: str, lang: str, now: datetime
) -> dict[int, list[tuple[str, str]]]:
    """feedback id -> the (key, label) groups it counts in."""
    out: dict[int, list[tuple[str, str]]] = {}
    if group_by == "month":
        names = MONTHS[language_of(lang)]
        for row in rows:
            day = local_date(row.created_at, timezone_name)
            out[row.id] = [(f"{day:%Y-%m}", f"{names[day.month - 1]} {day.year}")]
    elif group_by == "store":
        stores = {s.id: s.name for s in session.exec(select(Store))}
        none = "Mağaza yok" if not lang.startswith("en") else "No store"
        for row in rows:
            key = str(row.store_id) if row.store_id is not None else "none"
            out[row.id] = [(key, stores.get(row.store_id, none) if row.store_id is not None else none)]
    elif group_by == "campaign":
        c = COUPONS.c
        held = session.execute(
            sa.select(col(Feedback.id), c.campaign_id, col(Campaign.name))
            .select_from(Feedback)
            .join(COUPONS, c.member_id == col(Feedback.member_id))
            .join(Campaign, col(Campaign.id) == c.campaign_id)
            .where(
                col(Feedback.id).in_([r.id for r in rows]),
                c.valid_from <= col(Feedback.created_at),
                c.expires_at > col(Feedback.created_at),
            )
            .distinct()
        ).all()
        for feedback_id, campaign_id, name in held:
            out.setdefault(feedback_id, []).append((str(campaign_id), name))
    else:
        members_of = {r.member_id for r in rows}
        for segment in session.exec(select(Segment)):
            # who matches the segment's filter, whether or not a campaign could reach them now (a detractor
            # held from promotions, a paused member, one without consent all still belong to it)
            matching = sa.select(col(Member.id)).where(
                *filter_conditions(AudienceFilter.model_validate(segment.filter), now)
            )
            inside = {int(i) for i in session.execute(matching).scalars()} & members_of
            for row in rows:
                if row.member_id in inside:
                    out.setdefault(row.id, []).append((str(segment.id), segment.name))
    return out


def detractor_comments(
    session: Session,
    *,
    followup: str | None = "open",
    date_from: date | None = None,
    date_to: date | None = None,
    timezone_name: str,
    limit: int = 200,
) -> list[DetractorComment]:
    """Detractor responses (0-6) with their follow-up state, newest first; ``followup`` None: every state."""
    _, _, start, end = span(date_from, date_to, timezone_name=timezone_name)
    query = (
        select(Feedback, Member)
        .join(Member, col(Member.id) == col(Feedback.member_id))
        .where(
            col(Feedback.score) <= DETRACTOR_MAX,
            col(Feedback.created_at) >= start,
            col(Feedback.created_at) < end,
        )
        .order_by(col(Feedback.created_at).desc(), col(Feedback.id).desc())
        .limit(limit)
    )
    if followup is not None:
        if followup not in {f.value for f in FollowUp}:
            raise Invalid("followup", "campaigns.followup_open_contacted_resolved")
        query = query.where(col(Feedback.followup) == followup)
    return [_comment(f, m) for f, m in session.exec(query)]


def _comment(feedback: Feedback, member: Member) -> DetractorComment:
    return DetractorComment(
        id=feedback.id or 0,
        member_id=member.id or 0,
        member_name=member.full_name,
        score=feedback.score,
        comment=feedback.comment,
        created_at=feedback.created_at,
        followup=feedback.followup,
        followup_note=feedback.followup_note,
        followup_by=feedback.followup_by,
        followup_at=feedback.followup_at,
    )


def set_followup(
    session: Session,
    feedback_id: int,
    state: str,
    *,
    note: str | None,
    actor: str,
    now: datetime | None = None,
) -> DetractorComment:
    """Staff record where following a detractor up stands; any state may follow any other (reopen)."""
    feedback = session.get(Feedback, feedback_id)
    if feedback is None:
        raise NotFound("campaigns.feedback_not_found", feedback_id=feedback_id)
    if feedback.score > DETRACTOR_MAX:
        raise Invalid(
            "followup", "campaigns.detractor_s_feedback_followed_up", low=SCORE_MIN, high=DETRACTOR_MAX
        )
    text = (note or "").strip() or None
    if text is not None and len(text) > 1000:
        raise Invalid("note", "campaigns.note_most_1000_characters")
    feedback.followup = FollowUp(state)
    feedback.followup_note = text if text is not None else feedback.followup_note
    feedback.followup_by, feedback.followup_at = actor[:80], now or utcnow()
    session.add(feedback)
    session.flush()
    member = session.get(Member, feedback.member_id)
    assert member is not None
    return _comment(feedback, member)

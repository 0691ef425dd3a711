"""A campaign's results to take away: the per-day figures as CSV, and the same holiday's campaigns compared
year over year."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from loyalty.campaigns.lifecycle import get_campaign
from loyalty.campaigns.schemas import CampaignStats, YearOverYear, YearResult
from loyalty.campaigns.stats import first_coupon_of_purchase
from loyalty.campaigns.triggers.holiday import same_holiday_sql
from loyalty.campaigns.triggers.registry import trigger_of
from loyalty.core.csv_cells import safe_row
from loyalty.models.campaigns import Campaign, CampaignRun, RunStatus
from loyalty.models.coupons import COUPONS
from loyalty.models.messages import MESSAGES, Category

CSV_COLUMNS = (
    "day",
    "coupons",
    "sent",
    "delivered",
    "failed",
    "redeemed",
    "revenue",
    "deferred",
    "dropped",
    "cancelled",
)


class _SafeWriter:
    """Every row through ``safe_row`` (loyalty.core.csv_cells)."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer

    def writerow(self, row: Iterable[Any]) -> None:
        self.writer.writerow(safe_row(row))


def results_csv(stats: CampaignStats) -> str:
    """One row per local day, then a ``total`` row (its ``day`` column says so) with the redemption rate,
    then one row per fate and reason (issue 19): ``day`` names the fate (``deferred``, ``dropped``,
    ``cancelled``, ``failed``), the count stands in that fate's column, the last column gives the reason."""
    out = io.StringIO()
    writer = _SafeWriter(csv.writer(out, lineterminator="\n"))
    writer.writerow([*CSV_COLUMNS, "redemption_rate", "reason"])
    for day in stats.per_day:
        writer.writerow([day.day.isoformat(), *(getattr(day, name) for name in CSV_COLUMNS[1:]), "", ""])
    totals = [getattr(stats, name) for name in CSV_COLUMNS[1:]]
    writer.writerow(["total", *totals, f"{stats.redemption_rate:.4f}", ""])
    for fate in stats.reasons:
        row = ["" for _ in CSV_COLUMNS[1:]]
        row[CSV_COLUMNS.index(fate.fate) - 1] = str(fate.messages)
        writer.writerow([fate.fate, *row, "", fate.reason])
    return out.getvalue()


def run_figures(session: Session, run_id: int) -> tuple[int, int, int, Decimal]:
    """(coupons, sent, redeemed, revenue) of one run; revenue once per purchase, tests not counted."""
    c, m = COUPONS.c, MESSAGES.c
    coupons, redeemed = session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(c.status == "redeemed")).where(c.run_id == run_id)
    ).one()
    revenue = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(c.redeemed_purchase_amount), 0)).where(
            c.run_id == run_id, c.status == "redeemed", first_coupon_of_purchase()
        )
    ).scalar_one()
    sent = session.execute(
        sa.select(sa.func.count()).where(
            m.run_id == run_id, m.category != Category.test.value, m.state.in_(["sent", "delivered"])
        )
    ).scalar_one()
    return int(coupons), int(sent), int(redeemed), Decimal(revenue).quantize(Decimal("0.01"))


def year_over_year(session: Session, campaign_id: int) -> YearOverYear:
    """Every run of every campaign for the same holiday (and country), by the year it was sent in, oldest
    first: runs done, and runs still to come of campaigns not cancelled (shown with their figures so far)."""
    campaign = get_campaign(session, campaign_id)
    if not trigger_of(campaign).names_holiday or not campaign.holiday_key:
        return YearOverYear(holiday_key=None, years=[])
    rows = session.exec(
        select(CampaignRun, Campaign)
        .join(Campaign, col(Campaign.id) == col(CampaignRun.campaign_id))
        .where(
            same_holiday_sql(campaign),
            col(CampaignRun.status).in_([RunStatus.done, RunStatus.running, RunStatus.scheduled]),
        )
        .order_by(col(CampaignRun.send_date), col(CampaignRun.id))
    ).all()
    years: list[YearResult] = []
    for run, other in rows:
        coupons, sent, redeemed, revenue = run_figures(session, run.id or 0)
        years.append(
            YearResult(
                year=run.send_date.year,
                campaign_id=other.id or 0,
                name=other.name,
                status=run.status,
                coupons=coupons,
                sent=sent,
                redeemed=redeemed,
                redemption_rate=round(redeemed / coupons, 4) if coupons else 0.0,
                revenue=revenue,
            )
        )
    return YearOverYear(holiday_key=campaign.holiday_key, years=years)

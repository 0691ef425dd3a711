"""``loyalty campaigns list|show|preview|cancel`` against a real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from cli import app
from loyalty.campaigns.lifecycle import create_campaign, get_campaign
from loyalty.campaigns.schemas import CampaignCreate
from loyalty.core.settings import get_settings
from tests.builders import SHOP, make_member


@pytest.fixture
def cli_db(committing_engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("LOYALTY_DATABASE_URL", db_url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    yield committing_engine
    get_settings.cache_clear()


def _campaign(engine: Engine) -> int:
    with Session(engine) as session:
        make_member(session, "Ayşe Yılmaz")
        make_member(session, "Emma Smith", locale="en")
        data = CampaignCreate.model_validate(
            {
                "name": "Kurban indirimi",
                "trigger": {"type": "holiday", "holiday_key": "kurban_bayrami", "days_before": 2},
                "offer": {"kind": "percent", "value": "15", "valid_days": 7},
                "channel": "sms",
            }
        )
        campaign = create_campaign(session, data, actor="user:test", settings=SHOP)
        session.commit()
        return campaign.id or 0


def test_list_show_preview_cancel(cli_db: Engine) -> None:
    campaign_id = _campaign(cli_db)
    runner = CliRunner()

    listed = runner.invoke(app, ["campaigns", "list"])
    assert listed.exit_code == 0, listed.output
    assert "Kurban indirimi" in listed.output and "holiday: kurban_bayrami" in listed.output

    shown = runner.invoke(app, ["campaigns", "show", str(campaign_id)])
    assert shown.exit_code == 0, shown.output
    assert "Runs" in shown.output and "Results" in shown.output and "scheduled" in shown.output

    previewed = runner.invoke(app, ["campaigns", "preview", str(campaign_id)])
    assert previewed.exit_code == 0, previewed.output
    # the sample goes as its route sends it: the outbox backend speaks Turkish letters to +90 as GSM-7 TR
    assert "GSM-7 TR" in previewed.output and "estimated cost" in previewed.output
    assert "Kurban Bayramı" in previewed.output and "Eid al-Adha" in previewed.output

    cancelled = runner.invoke(app, ["campaigns", "cancel", str(campaign_id)])
    assert cancelled.exit_code == 0 and "cancelled" in cancelled.output
    with Session(cli_db) as session:
        assert get_campaign(session, campaign_id).status == "cancelled"

    missing = runner.invoke(app, ["campaigns", "show", "999999"])
    assert missing.exit_code == 1 and "not found" in missing.output

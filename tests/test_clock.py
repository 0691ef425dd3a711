"""The one clock (loyalty/core/clock.py): LOYALTY_NOW starts the API, the worker and beat at one instant."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from celery.schedules import crontab
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import get_session
from api.main import create_app
from loyalty.core import clock
from loyalty.core.settings import Settings, get_settings
from loyalty.core.tokens import member_page_token, read_member_page_token
from tests.builders import make_user
from tests.cli_support import run
from workers.app import BEAT_SCHEDULE, make_app

START = datetime(2027, 2, 1, 21, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _real_clock_after() -> Iterator[None]:
    yield
    clock.start_at(None)


def test_start_at_reads_that_instant_and_moves_at_real_speed() -> None:
    clock.start_at(START)
    first = clock.utcnow()
    assert abs(first - START) < timedelta(seconds=2)
    time.sleep(0.05)
    assert clock.utcnow() - first >= timedelta(seconds=0.05)
    clock.start_at(None)
    assert abs(clock.utcnow() - clock.real_utcnow()) < timedelta(seconds=1)


def test_processes_started_apart_agree_through_the_shared_real_anchor() -> None:
    since = clock.real_utcnow() - timedelta(seconds=30)  # the parent read LOYALTY_NOW 30 s ago
    clock.start_at(START, since)
    assert abs(clock.utcnow() - (START + timedelta(seconds=30))) < timedelta(seconds=2)


def test_a_simulation_stands_still_moves_on_demand_and_stays_in_its_context() -> None:
    seen_by_other_thread: list[datetime] = []
    with clock.simulate(START) as sim:
        assert clock.utcnow() == START
        sim.advance(timedelta(days=3))
        assert clock.utcnow() == START + timedelta(days=3)
        thread = threading.Thread(target=lambda: seen_by_other_thread.append(clock.utcnow()))
        thread.start()
        thread.join()
    assert abs(seen_by_other_thread[0] - clock.real_utcnow()) < timedelta(seconds=5)  # not simulated there
    assert abs(clock.utcnow() - clock.real_utcnow()) < timedelta(seconds=1)


def test_a_process_wide_simulation_reaches_other_threads() -> None:
    seen: list[datetime] = []
    with clock.simulate(START, everywhere=True):
        thread = threading.Thread(target=lambda: seen.append(clock.utcnow()))
        thread.start()
        thread.join()
    assert seen == [START]
    assert abs(clock.utcnow() - clock.real_utcnow()) < timedelta(seconds=1)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        clock.start_at(datetime(2027, 2, 1, 21, 30))


def test_loyalty_now_is_refused_in_production_and_needs_a_zone() -> None:
    with pytest.raises(ValidationError, match="LOYALTY_NOW is for development and test only"):
        Settings(env="production", secret_key="x" * 40, now=START)
    with pytest.raises(ValidationError, match="give the zone"):
        Settings(env="test", secret_key="x" * 40, now="2027-02-01T21:30:00")  # type: ignore[arg-type]
    assert Settings(env="test", secret_key="x" * 40, now="2027-02-01T21:30:00Z").now == START  # type: ignore[arg-type]


def test_the_api_starts_at_loyalty_now(settings: Settings, session: Session) -> None:
    """The holidays list defaults to the current year in the shop's zone: 2027 at LOYALTY_NOW."""
    app = create_app(settings.model_copy(update={"now": START}))
    app.dependency_overrides[get_session] = lambda: session
    user = make_user(session, role="staff")
    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token", data={"username": user.username, "password": "secret-pass"})
        assert token.status_code == 200, token.text  # a token issued at 2027 is valid under the same clock
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        holidays = client.get("/api/v1/holidays", headers=headers)
    assert holidays.status_code == 200, holidays.text
    assert {row["date"][:4] for row in holidays.json()} == {"2027"}


def test_a_link_issued_on_the_clock_expires_on_the_clock() -> None:
    """Token expiry is checked against the product's clock, not the machine's (PyJWT's own check)."""
    past = datetime(2025, 1, 1, tzinfo=UTC)
    clock.start_at(past)
    token = member_page_token("s" * 40, 7, days=30)
    assert read_member_page_token("s" * 40, token).member_id == 7
    clock.start_at(past + timedelta(days=31))
    with pytest.raises(Exception, match="not valid"):
        read_member_page_token("s" * 40, token)


def test_the_worker_and_beat_follow_loyalty_now(settings: Settings) -> None:
    """Beat's crontab reads ``app.now()``: at 00:29:58 Istanbul the daily occasions job is 2 s away."""
    almost = datetime(2027, 2, 1, 21, 29, 58, tzinfo=UTC)  # 00:29:58 on 2 Feb in Istanbul
    celery = make_app(settings.model_copy(update={"now": almost}))
    assert abs(celery.now() - almost) < timedelta(seconds=2)
    entry = BEAT_SCHEDULE["occasions-daily"]["schedule"]
    schedule = crontab(minute=entry._orig_minute, hour=entry._orig_hour, app=celery)
    last_run = celery.now() - timedelta(minutes=30)  # the 23:30 run (hourly at :30)
    remaining = schedule.remaining_estimate(last_run)
    assert timedelta(0) <= remaining < timedelta(seconds=4)
    assert not schedule.is_due(last_run)[0]
    clock.start_at(almost + timedelta(seconds=3))  # 00:30:01 in Istanbul: due
    assert schedule.is_due(last_run)[0]


def test_the_command_refuses_loyalty_now_in_production(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {
        "LOYALTY_ENV": "production",
        "LOYALTY_SECRET_KEY": "x" * 48,
        "LOYALTY_NOW": "2027-02-01T21:30Z",
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    result = run("db", "upgrade")
    assert result.exit_code == 2
    assert "invalid settings: LOYALTY_NOW is for development and test only" in result.output


def test_the_command_starts_its_clock_and_passes_one_anchor_to_its_children(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`loyalty run` children (API, worker, beat) inherit LOYALTY_NOW_SINCE: one offset for all."""
    monkeypatch.setenv("LOYALTY_NOW", "2027-02-01T21:30:00Z")
    get_settings.cache_clear()
    try:
        assert run("db", "upgrade").exit_code == 0
        since = datetime.fromisoformat(os.environ["LOYALTY_NOW_SINCE"])
        assert abs(since - clock.real_utcnow()) < timedelta(seconds=60)
        assert abs(clock.utcnow() - START) < timedelta(seconds=60)
    finally:
        os.environ.pop("LOYALTY_NOW_SINCE", None)

"""The beat schedule: crontab only, every entry expires, and every entry names a registered task."""

from __future__ import annotations

import pytest
from celery.schedules import crontab
from sqlalchemy.engine import Engine
from sqlmodel import Session

from loyalty.core.clock import utcnow
from loyalty.messaging.heartbeats import BEAT, last_beat
from workers import tasks  # registers the tasks
from workers.app import BEAT_SCHEDULE, app


def test_every_beat_entry_is_a_crontab_that_expires_and_names_a_registered_task() -> None:
    expected = {
        "workers.dispatch_due",
        "workers.expire_coupons",
        "workers.purge_idempotency_keys",
        "workers.daily_occasions",
        "workers.heartbeat",
        "workers.poll_gateway",
        "workers.iys_sync",
    }
    assert {entry["task"] for entry in BEAT_SCHEDULE.values()} == expected
    for name, entry in BEAT_SCHEDULE.items():
        assert isinstance(entry["schedule"], crontab), name
        assert 0 < entry["options"]["expires"] <= 3600, name
        assert entry["task"] in app.tasks, name


def test_the_minute_tick_expires_before_the_next_one() -> None:
    """A tick that waited in the queue for a minute is dropped: the next one does the same work."""
    assert BEAT_SCHEDULE["dispatch-due-work"]["options"]["expires"] < 60
    assert BEAT_SCHEDULE["heartbeat"]["options"]["expires"] < 60


def test_the_heartbeat_task_records_beat(committing_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """What /readyz reads: the task run by a worker writes beat's row."""
    monkeypatch.setattr(tasks, "_engine", lambda: committing_engine)
    before = utcnow()
    tasks.heartbeat()
    with Session(committing_engine) as session:
        at = last_beat(session, BEAT)
    assert at is not None and at >= before

"""The beat schedule: crontab only, every entry expires, and every entry names a registered task."""

from __future__ import annotations

from celery.schedules import crontab

from workers import tasks  # noqa: F401  (registers the tasks)
from workers.app import BEAT_SCHEDULE, app


def test_every_beat_entry_is_a_crontab_that_expires_and_names_a_registered_task() -> None:
    expected = {
        "workers.dispatch_due",
        "workers.expire_coupons",
        "workers.purge_idempotency_keys",
        "workers.daily_occasions",
    }
    assert {entry["task"] for entry in BEAT_SCHEDULE.values()} == expected
    for name, entry in BEAT_SCHEDULE.items():
        assert isinstance(entry["schedule"], crontab), name
        assert 0 < entry["options"]["expires"] <= 3600, name
        assert entry["task"] in app.tasks, name


def test_the_minute_tick_expires_before_the_next_one() -> None:
    """A tick that waited in the queue for a minute is dropped: the next one does the same work."""
    assert BEAT_SCHEDULE["dispatch-due-work"]["options"]["expires"] < 60

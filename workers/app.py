"""The Celery app: broker from settings, explicit task names, a small crontab-only beat schedule.

Importing this module builds the app without reading settings (the API imports it for its publisher): the
configuration, which reads the shop's stored settings from the database, is loaded on its first use.

Campaign and message times live in database tables and are claimed every minute; beat only ticks. Run ONE
beat process (two would double every periodic task); ``expires`` drops ticks that waited too long.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import beat_init, worker_init, worker_process_init
from pydantic import ValidationError

from loyalty.core.clock import utcnow
from loyalty.core.collector import freeze_start_up
from loyalty.core.db import _engines
from loyalty.core.jobs import set_publisher
from loyalty.core.settings import Settings, get_settings, settings_error_line

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "heartbeat": {
        "task": "workers.heartbeat",
        "schedule": crontab(),  # every minute: /readyz reports beat (and a worker) as not running after 3 min
        "options": {"expires": 50},
    },
    "dispatch-due-work": {
        "task": "workers.dispatch_due",
        "schedule": crontab(),  # every minute
        "options": {"expires": 50},
    },
    "expire-coupons": {
        "task": "workers.expire_coupons",
        "schedule": crontab(minute=5, hour=0),
        "options": {"expires": 3600},
    },
    "purge-idempotency-keys": {
        "task": "workers.purge_idempotency_keys",
        "schedule": crontab(minute=15, hour=0),
        "options": {"expires": 3600},
    },
    "gateway-reports-and-inbox": {
        "task": "workers.poll_gateway",
        "schedule": crontab(minute="*/2"),  # NetGSM allows 10 report queries a minute
        "options": {"expires": 100},
    },
    "iys-sync": {
        "task": "workers.iys_sync",
        "schedule": crontab(),  # uploads every minute; pulls every LOYALTY_IYS_SYNC_MINUTES
        "options": {"expires": 50},
    },
    "occasions-daily": {
        "task": "workers.daily_occasions",
        # every hour: each member's reminders are queued within the hour after their own local midnight
        # (a member west of the shop's zone starts the day later), always before the 10:00 send time
        "schedule": crontab(minute=30),
        "options": {"expires": 3000},
    },
}


def _prepare_broker(url: str) -> None:
    """kombu's SQLAlchemy transport on SQLite needs the file's folder to exist."""
    if url.startswith("sqla+sqlite:///"):
        Path(url.removeprefix("sqla+sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


class ClockedCelery(Celery):
    """Celery whose ``now()`` (what beat's crontab schedules read) is the product's clock."""

    def now(self) -> datetime:
        return utcnow().astimezone(self.timezone)


def _config(settings: Settings) -> dict[str, Any]:
    _prepare_broker(settings.broker_url)
    return dict(
        broker_url=settings.broker_url,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=4,
        task_default_queue=settings.celery_queue,
        timezone=settings.timezone,
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        beat_schedule=BEAT_SCHEDULE,
        beat_schedule_filename=str(settings.beat_schedule_path),  # checked by `loyalty worker --beat`
        worker_hijack_root_logger=False,
    )


_LAZY: set[int] = set()  # the apps configured on first use (they start the clock in the worker or beat)


def _shop_config() -> dict[str, Any]:
    """The environment and the shop's stored settings (the database). ``celery -A workers.app ...`` with bad
    settings: one line naming the variable, exit 2 (Celery would print the whole traceback)."""
    try:
        return _config(get_settings())
    except ValidationError as exc:
        print(settings_error_line(exc), file=sys.stderr)
        raise SystemExit(2) from None


def make_app(settings: Settings | None = None) -> Celery:
    """The Celery app, configured from ``settings`` now, or (without) from the shop's settings when its
    configuration is first needed: building it, as importing this module does, reads no database."""
    app = ClockedCelery("loyalty", include=["workers.tasks"])
    if settings is not None:
        settings.start_clock()  # LOYALTY_NOW (development, test): the worker and beat start at that instant
        app.conf.update(_config(settings))
    else:
        app.add_defaults(_shop_config)  # a promise: loaded on first use of app.conf
        _LAZY.add(id(app))
    return app


app = make_app()


@worker_init.connect
@beat_init.connect
def _start_clock(sender: Any = None, **_kwargs: Any) -> None:
    """A worker or beat of the lazily configured app (not the API, which only publishes through it) starts
    its clock at LOYALTY_NOW when that is set; ``make_app(settings)`` started it already."""
    if id(getattr(sender, "app", None)) in _LAZY:
        get_settings().start_clock()


@worker_process_init.connect
def _fresh_connections(**_kwargs: Any) -> None:
    """A forked pool process must not share the parent's database connections; its start-up is then done,
    and what that left alive is frozen out of the collector's passes (``freeze_start_up``)."""

    for engine in _engines.values():
        engine.dispose(close=False)
    freeze_start_up()


def install_publisher(celery_app: Celery | None = None) -> None:
    """Let loyalty.core.jobs hand its after-commit jobs to this broker."""

    target = celery_app or app
    set_publisher(lambda name, args: target.send_task(name, args=list(args)))


install_publisher()

"""The Celery app: broker from settings, explicit task names, a small crontab-only beat schedule.

Campaign and message times live in database tables and are claimed every minute; beat only ticks. Run ONE
beat process (two would double every periodic task); ``expires`` drops ticks that waited too long.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_process_init

from loyalty.core.db import _engines
from loyalty.core.jobs import set_publisher
from loyalty.core.settings import Settings, get_settings

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
    "occasions-daily": {
        "task": "workers.daily_occasions",
        "schedule": crontab(minute=30, hour=0),
        "options": {"expires": 3600},
    },
}


def _prepare_broker(url: str) -> None:
    """kombu's SQLAlchemy transport on SQLite needs the file's folder to exist."""
    if url.startswith("sqla+sqlite:///"):
        Path(url.removeprefix("sqla+sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def make_app(settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    _prepare_broker(settings.broker_url)
    app = Celery("loyalty", broker=settings.broker_url, include=["workers.tasks"])
    app.conf.update(
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
    return app


app = make_app()


@worker_process_init.connect
def _fresh_connections(**_kwargs: Any) -> None:
    """A forked pool process must not share the parent's database connections."""

    for engine in _engines.values():
        engine.dispose(close=False)


def install_publisher(celery_app: Celery | None = None) -> None:
    """Let loyalty.core.jobs hand its after-commit jobs to this broker."""

    target = celery_app or app
    set_publisher(lambda name, args: target.send_task(name, args=list(args)))


install_publisher()

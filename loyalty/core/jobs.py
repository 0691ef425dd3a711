"""Jobs buffered in a unit of work and handed to the broker only after its commit.

Domain services call ``defer(session, "workers.send_message", 42)``; nothing leaves the process until
the boundary's commit succeeds (a rollback drops the buffer). The worker and the API process install a
publisher (``workers.app.install_publisher``); without one the jobs are simply dropped, which is safe
because the database is the source of truth: the minute dispatcher finds every due row anyway. loyalty/
stays free of Celery imports.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

log = logging.getLogger(__name__)


Publisher = Callable[[str, tuple[Any, ...]], None]


_publisher: Publisher | None = None


_KEY = "loyalty.pending_jobs"


def set_publisher(publisher: Publisher | None) -> None:
    global _publisher
    _publisher = publisher


def defer(session: Session, task_name: str, *args: Any) -> None:
    """Send ``task_name(*args)`` to the broker once this session's transaction has committed."""
    pending: list[tuple[str, tuple[Any, ...]]] | None = session.info.get(_KEY)
    if pending is None:
        pending = session.info[_KEY] = []
        event.listen(session, "after_commit", _flush)
        event.listen(session, "after_rollback", _drop)
    pending.append((task_name, args))


def _flush(session: Session) -> None:
    jobs = session.info.get(_KEY) or []
    session.info[_KEY] = []
    if _publisher is None:
        return
    for name, args in jobs:
        try:
            _publisher(name, args)
        except Exception:  # the broker is down: the dispatcher picks the row up from the database later
            log.warning("could not publish %s%r after commit; the dispatcher will pick it up", name, args)


def _drop(session: Session) -> None:
    session.info[_KEY] = []

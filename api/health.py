"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work: database, broker, beat).

For a load balancer or a service manager's watchdog; public, and they name no URL or path. ``/readyz``
answers 503 naming what is wrong (one line each) when the database or the broker cannot be reached or
beat's heartbeat (written each minute by the ``workers.heartbeat`` task) is older than three minutes, or
(with ``LOYALTY_IYS_URL`` set) the İYS sync is stuck: a consent change waiting over 15 minutes, no pull.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import SessionDep, SettingsDep
from loyalty.core.clock import utcnow
from loyalty.members.iys_sync import sync_problem, sync_state
from workers import checks

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
CHECK_BUDGET_S = 1.2  # /readyz answers within 2 s even when the database or the broker hangs
T = TypeVar("T")


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """On the event loop: no thread from the pool (hung database calls may hold them all), no database."""
    return {"status": "ok"}


async def _within(budget: float, check: Callable[[], T]) -> T:
    """A blocking check on its own thread, abandoned (TimeoutError) after ``budget`` seconds."""
    return await asyncio.wait_for(asyncio.to_thread(check), budget)


@router.get("/readyz")
async def readyz(session: SessionDep, settings: SettingsDep) -> JSONResponse:
    problems: dict[str, str] = {}
    beat_check = _within(CHECK_BUDGET_S, lambda: checks.beat_problem(session, utcnow()))
    broker_check = _within(CHECK_BUDGET_S, lambda: checks.broker_problem(settings.broker_url))
    beat_result, broker_result = await asyncio.gather(beat_check, broker_check, return_exceptions=True)
    if isinstance(beat_result, BaseException):  # the database itself is the problem (or hangs)
        problems["database"] = "cannot read the database"
    elif beat_result:
        problems["beat"] = beat_result
    broker = (
        "the broker did not answer in time" if isinstance(broker_result, BaseException) else broker_result
    )
    if broker:
        log.warning("readyz: %s", broker)
        problems["broker"] = "cannot reach the broker"  # the details (with its address) go to the log only
    if settings.iys_url and "database" not in problems:
        every = timedelta(minutes=settings.iys_sync_minutes)
        try:
            iys = await _within(CHECK_BUDGET_S, lambda: sync_problem(sync_state(session), utcnow(), every))
        except Exception:  # a database that hangs now: say so for the sync, not as a 500
            iys = "the İYS sync's state could not be read"
        if iys:
            problems["iys"] = iys
    parts = ("database", "broker", "beat", "iys") if settings.iys_url else ("database", "broker", "beat")
    status = {part: problems.get(part, "ok") for part in parts}
    if "database" in problems:
        status["beat"] = "unknown"
    return JSONResponse({"ready": not problems, **status}, status_code=503 if problems else 200)

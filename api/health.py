"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work: database, broker, beat).

For a load balancer or a service manager's watchdog; public, and they name no URL or path. ``/readyz``
answers 503 naming what is wrong (one line each) when the database or the broker cannot be reached or
beat's heartbeat (written each minute by the ``workers.heartbeat`` task) is older than three minutes.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import SessionDep, SettingsDep
from loyalty.core.db import utcnow
from workers import checks

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(session: SessionDep, settings: SettingsDep) -> JSONResponse:
    problems: dict[str, str] = {}
    try:
        beat = checks.beat_problem(session, utcnow())
    except Exception:  # the database itself is the problem
        problems["database"] = "cannot read the database"
    else:
        if beat:
            problems["beat"] = beat
    broker = checks.broker_problem(settings.broker_url)
    if broker:
        log.warning("readyz: %s", broker)
        problems["broker"] = "cannot reach the broker"  # the details (with its address) go to the log only
    status = {part: problems.get(part, "ok") for part in ("database", "broker", "beat")}
    if "database" in problems:
        status["beat"] = "unknown"
    return JSONResponse({"ready": not problems, **status}, status_code=503 if problems else 200)

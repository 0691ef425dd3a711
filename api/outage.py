"""A database that cannot be reached (refused, timed out, partitioned, its pool exhausted, SQLite's lock
held past the busy timeout) is an outage, not a bug: a JSON 503 with Retry-After, never a plain 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.errors import request_language
from loyalty.core.i18n import gettext

RETRY_AFTER_S = 5
OUTAGE = "common.database_unavailable"
log = logging.getLogger(__name__)


async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", str(exc).strip().splitlines()[0] if str(exc).strip() else exc)
    return JSONResponse(
        {"detail": gettext(OUTAGE, request_language(request)), "key": OUTAGE},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


async def _dbapi_error(request: Request, exc: Exception) -> JSONResponse:
    """Other driver errors are bugs (500) unless the connection itself was lost."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return await database_unavailable(request, exc)
    raise exc


def install(app: FastAPI) -> None:
    for kind in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(kind, database_unavailable)
    app.add_exception_handler(DBAPIError, _dbapi_error)

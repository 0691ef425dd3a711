"""FastAPI's 422 answer, made safe for input JSON cannot hold.

The default handler echoes each error's ``input`` (and ``ctx``) back; a JSON ``NaN``, ``Infinity`` or
``1e400`` (read as infinity) there cannot be serialised, and the 422 became a 500. Non-finite numbers are
answered as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``; everything else as FastAPI would.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


def finite_json(value: Any) -> Any:
    """``value`` (already JSON-shaped) with every non-finite float replaced by its name."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: finite_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(item) for item in value]
    return value


async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = finite_json(jsonable_encoder(exc.errors()))
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

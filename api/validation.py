"""FastAPI's 422 answer, made safe for input JSON cannot hold, in the request's language, with keys.

The default handler echoes each error's ``input`` (and ``ctx``) back; a JSON ``NaN``, ``Infinity`` or
``1e400`` (read as infinity) there cannot be serialised, and the 422 became a 500. Non-finite numbers are
answered as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``; everything else as FastAPI would, each
item with ``key`` = ``validation.<pydantic type>``. In English ``msg`` stays pydantic's own; in another
language it is the catalogue's text for that key (pydantic's when the catalogue has no such key).
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.errors import request_language
from loyalty.core import i18n


def finite_json(value: Any) -> Any:
    """``value`` (already JSON-shaped) with every non-finite float replaced by its name."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: finite_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(item) for item in value]
    return value


def _keyed(item: dict[str, Any], lang: str) -> dict[str, Any]:
    key = f"validation.{item.get('type', 'value_error')}"
    if lang != "en" and i18n.known(key):
        context = item.get("ctx")
        item = {**item, "msg": i18n.gettext(key, lang, **(context if isinstance(context, dict) else {}))}
    return {**item, "key": key}


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    lang = request_language(request)
    detail = [_keyed(item, lang) for item in finite_json(jsonable_encoder(exc.errors()))]
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

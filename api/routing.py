"""The route class of every API router: JSON text must be real Unicode.

JSON may escape half of a UTF-16 surrogate pair (``"\\ud83d"``); Python decodes it to a string that no
database, PDF or SMS can encode, so it would fail deep inside a request as a 500. It is refused up front as
a 422 naming the field, in the same shape as FastAPI's validation errors.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.routing import APIRoute


def lone_surrogate_at(value: Any, loc: tuple[str | int, ...] = ("body",)) -> tuple[str | int, ...] | None:
    """Where in decoded JSON a string (or a key) holds a lone surrogate, else None."""
    if isinstance(value, str):
        return loc if any("\ud800" <= ch <= "\udfff" for ch in value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = lone_surrogate_at(key, (*loc, key)) or lone_surrogate_at(item, (*loc, key))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = lone_surrogate_at(item, (*loc, index))
            if found is not None:
                return found
    return None


class _UnicodeCheckedRequest(Request):
    async def json(self) -> Any:
        data = await super().json()
        where = lone_surrogate_at(data)
        if where is not None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=[
                    {
                        "type": "string_unicode",
                        "loc": list(where),
                        "msg": "half of a UTF-16 surrogate pair is not a character / geçersiz karakter",
                    }
                ],
            )
        return data


class UnicodeCheckedRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            return await handler(_UnicodeCheckedRequest(request.scope, request.receive))

        return checked


def api_router(**kwargs: Any) -> APIRouter:
    """An APIRouter whose JSON bodies are checked (see the module docstring)."""
    return APIRouter(route_class=UnicodeCheckedRoute, **kwargs)

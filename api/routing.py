"""The route class of every API router: text in a request must be storable.

Two things JSON, query strings and forms can carry that no column, PDF or SMS can hold: a NUL character
(PostgreSQL refuses it in text) and half of a UTF-16 surrogate pair (JSON's ``"\\ud83d"``; Python decodes it
to a string no encoder accepts). Either would fail deep inside a request as a 500; they are refused up front
as a 422 naming the field, in the shape of FastAPI's validation errors.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.routing import APIRoute

from api.errors import KeyedHTTPException
from loyalty.core.errors import Invalid

Loc = tuple[str | int, ...]


def _bad(text: str) -> bool:
    return any(ch == "\x00" or "\ud800" <= ch <= "\udfff" for ch in text)


def unstorable_text_at(value: Any, loc: Loc = ("body",)) -> Loc | None:
    """Where in decoded JSON a string (or a key) holds a NUL or a lone surrogate, else None."""
    if isinstance(value, str):
        return loc if _bad(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = unstorable_text_at(key, (*loc, key)) or unstorable_text_at(item, (*loc, key))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = unstorable_text_at(item, (*loc, index))
            if found is not None:
                return found
    return None


def _first_bad(where: str, items: Iterable[tuple[str, Any]]) -> Loc | None:
    for name, value in items:
        if isinstance(value, str) and (_bad(value) or _bad(name)):
            return (where, name)
    return None


def _refuse(loc: Loc) -> HTTPException:
    return KeyedHTTPException(Invalid(loc, "common.unstorable_text", extra={"type": "string_unicode"}))


class _CheckedRequest(Request):
    async def json(self) -> Any:
        data = await super().json()
        where = unstorable_text_at(data)
        if where is not None:
            raise _refuse(where)
        return data


class CheckedTextRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            checked_request = _CheckedRequest(request.scope, request.receive)
            where = _first_bad("query", checked_request.query_params.multi_items()) or _first_bad(
                "path", checked_request.path_params.items()
            )
            content_type = checked_request.headers.get("content-type", "")
            if where is None and content_type.startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                form = await checked_request.form()  # parsed once: the handler gets this same form
                where = _first_bad("body", form.multi_items())
            if where is not None:
                raise _refuse(where)
            return await handler(checked_request)

        return checked


def api_router(**kwargs: Any) -> APIRouter:
    """An APIRouter whose requests are checked for unstorable text (see the module docstring)."""
    return APIRouter(route_class=CheckedTextRoute, **kwargs)

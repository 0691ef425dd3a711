"""Errors answered in the request's language, with their message key for clients.

The language: the request's ``Accept-Language`` (the pages send their own), then the ``lang`` cookie the
pages set (the user's choice), then the shop's locale. Domain errors answer
``{"detail": <text>, "key": <key>}`` (a detail with extra facts stays ``{"message": ..., ...}``); 422s keep
FastAPI's list shape, each item with its ``key``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from loyalty.core import i18n
from loyalty.core.errors import DomainError


def request_language(request: Request) -> str:
    """Accept-Language, then the pages' ``lang`` cookie, then the shop's locale."""
    settings = getattr(request.app.state, "settings", None)
    return (
        i18n.negotiate(request.headers.get("accept-language"))
        or i18n.normalize(request.cookies.get(i18n.COOKIE))
        or i18n.normalize(getattr(settings, "locale", None))
        or i18n.SUPPORTED[0]
    )


class KeyedHTTPException(HTTPException):
    """A domain error raised where FastAPI lets only an HTTPException through (reading a request's body)."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.status_code, error.key)
        self.error = error


def error_body(exc: DomainError, lang: str) -> dict[str, Any]:
    return {"detail": exc.detail(lang), "key": exc.key}


async def domain_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, KeyedHTTPException):
        exc = exc.error
    assert isinstance(exc, DomainError)
    body = error_body(exc, request_language(request))
    return JSONResponse(body, exc.status_code, headers=exc.headers or None)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(KeyedHTTPException, domain_error)

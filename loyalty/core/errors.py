"""Domain errors: a message key (loyalty/core/texts/errors.py) and its parameters, never a ready text.

The API answers each with its HTTP status and ``{"detail": <text in the request's language>, "key": ...}``;
an ``Invalid`` keeps FastAPI's own 422 list shape (``loc``, ``msg``, ``type``) with a ``key`` per item.
``extra`` values are structured facts for clients (ids, statuses) that join the detail as fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from loyalty.core import i18n


@dataclass(frozen=True)
class Phrase:
    """A part of a message worded in the message's language (a parameter that is itself text)."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return i18n.gettext(self.key, lang, **self.params)


class DomainError(Exception):
    status_code = 400

    def __init__(
        self,
        key: str,
        /,
        *,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})

    def text(self, lang: str = "en") -> str:
        """The message in ``lang``; a Phrase or DomainError parameter is worded in ``lang`` too."""
        values = {
            name: value.text(lang) if isinstance(value, DomainError | Phrase) else value
            for name, value in self.params.items()
        }
        return i18n.gettext(self.key, lang, **values)

    @property
    def message(self) -> str:
        """The English text: for logs and the command line."""
        return self.text("en")

    def __str__(self) -> str:
        return self.message

    def detail(self, lang: str = "en") -> Any:
        text = self.text(lang)
        return {"message": text, **self.extra} if self.extra else text


def for_field(exc: DomainError, field: str) -> Invalid:
    """The same refusal as a 422 about ``field`` (a value checked by a shared rule, named by its caller)."""
    return Invalid(field, exc.key, extra=exc.extra, **exc.params)


class Unauthorized(DomainError):
    """Not signed in (or the token was revoked): answered with ``WWW-Authenticate: Bearer``."""

    status_code = 401

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key, headers={"WWW-Authenticate": "Bearer"}, **params)


class Forbidden(DomainError):
    status_code = 403


class TooManyRequests(DomainError):
    status_code = 429


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class Gone(DomainError):
    status_code = 410


class Invalid(DomainError):
    """Bad input for a named field: shaped like FastAPI's own 422 so clients parse one format."""

    status_code = 422

    def __init__(
        self,
        field: str | tuple[str | int, ...],
        key: str,
        /,
        *,
        extra: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> None:
        """``field``: a body field's name, or a whole location like ``("query", "q")``."""
        super().__init__(key, extra=extra, **params)
        self.field = field if isinstance(field, str) else ".".join(str(part) for part in field[1:])
        self.loc = ["body", field] if isinstance(field, str) else list(field)

    def detail(self, lang: str = "en") -> Any:
        item = {"loc": self.loc, "msg": self.text(lang), "type": "value_error", "key": self.key}
        return [{**item, **self.extra}]

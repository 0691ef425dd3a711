"""Domain errors; the API turns each into its HTTP status with {"detail": ...}."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def detail(self) -> Any:
        return {"message": self.message, **self.extra} if self.extra else self.message


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class Gone(DomainError):
    status_code = 410


class Invalid(DomainError):
    """Bad input for a named field: shaped like FastAPI's own 422 so clients parse one format."""

    status_code = 422

    def __init__(self, field: str, message: str, **extra: Any) -> None:
        super().__init__(message, **extra)
        self.field = field

    def detail(self) -> Any:
        return [{"loc": ["body", self.field], "msg": self.message, "type": "value_error", **self.extra}]

"""API shapes of Apple's pass web service (its own field names)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PushRegistration(BaseModel):
    pushToken: str = Field(min_length=1, max_length=200)


class SerialsUpdated(BaseModel):
    serialNumbers: list[str]
    lastUpdated: str


class DeviceLogs(BaseModel):
    logs: list[str] = Field(default_factory=list, max_length=100)

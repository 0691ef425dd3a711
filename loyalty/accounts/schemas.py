"""Account outputs: a user as shown, and the token answer of a sign-in."""

from __future__ import annotations

from pydantic import BaseModel

from loyalty.models.users import UserBase


class UserPublic(UserBase):
    id: int


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str

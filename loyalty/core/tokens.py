"""Every signed token the product hands out: API access tokens, member-page links and unsubscribe links.

All are JWTs (HS256) signed with the secret key, each with its own purpose claim ``p`` so that no kind of
token can stand in for another. Access tokens expire (``exp`` is required); so do member-page links
(``LOYALTY_MEMBER_LINK_DAYS``, revocable per member). The unsubscribe link has no expiry on purpose: a
link in an old e-mail must keep working (RFC 8058) until the member is erased. A forged, damaged, expired or
foreign token reads as ``NotFound`` (links) or ``None`` (access), never with a hint which.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from jwt.types import Options

from loyalty.core.clock import utcnow
from loyalty.core.errors import NotFound
from loyalty.core.settings import Settings

ALGORITHM = "HS256"
ACCESS = "access"
MEMBER_PAGE = "m"  # short: the member's page link goes into SMS
MEMBER_LINK_DAYS = 180
UNSUBSCRIBE = "unsubscribe"
_INVALID_LINK = "common.link_invalid"


def _encode(secret: str, claims: dict[str, object]) -> str:
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def _decode(secret: str, token: str, purpose: str, require: list[str]) -> dict[str, object]:
    # PyJWT checks exp/iat against the machine's time: the product's clock (LOYALTY_NOW) checks exp here
    options: Options = {"require": ["sub", "p", *require], "verify_exp": False, "verify_iat": False}
    claims: dict[str, object] = jwt.decode(token, secret, algorithms=[ALGORITHM], options=options)
    if claims["p"] != purpose:
        raise ValueError(f"not a {purpose} token")
    expires = claims.get("exp")
    if expires is not None and float(expires) <= utcnow().timestamp():  # type: ignore[arg-type]
        raise jwt.ExpiredSignatureError("Signature has expired")
    return claims


# ---- API access tokens --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    version: int  # the user's token_version when it was issued: raised to revoke every older token


def access_token(settings: Settings, user_id: int, role: str, version: int, now: datetime) -> str:
    claims = {
        "sub": str(user_id),
        "role": role,
        "ver": version,
        "iat": now,
        "exp": now + timedelta(minutes=settings.token_minutes),
        "p": ACCESS,
    }
    return _encode(settings.secret_key, claims)


def read_access_token(settings: Settings, token: str) -> AccessClaims | None:
    """The user and token version in a valid, unexpired access token; None otherwise."""
    try:
        claims = _decode(settings.secret_key, token, ACCESS, ["exp", "iat", "ver"])
        return AccessClaims(user_id=int(str(claims["sub"])), version=int(str(claims["ver"])))
    except (jwt.PyJWTError, ValueError, KeyError, TypeError):
        return None


# ---- the member's page link /m/{token} -----------------------------------------------------------------


@dataclass(frozen=True)
class PageLink:
    member_id: int
    version: int  # the member's link_version when it was made: raised to revoke every older link


def member_page_token(
    secret: str,
    member_id: int,
    version: int = 0,
    *,
    days: int = MEMBER_LINK_DAYS,
    now: datetime | None = None,
) -> str:
    """A link that expires after ``days`` (it lives in messages: long enough for a year's occasions, not
    forever) and that the member's ``link_version`` can revoke. Kept short: it goes into SMS."""
    expires = (now or utcnow()) + timedelta(days=days)
    return _encode(
        secret, {"sub": str(member_id), "v": version, "exp": int(expires.timestamp()), "p": MEMBER_PAGE}
    )


def read_member_page_token(secret: str, token: str) -> PageLink:
    """The member and link version; NotFound for a forged, damaged, expired or foreign token (the caller
    checks the version against the member's)."""
    try:
        claims = _decode(secret, token, MEMBER_PAGE, ["exp", "v"])
        return PageLink(member_id=int(str(claims["sub"])), version=int(str(claims["v"])))
    except (jwt.PyJWTError, ValueError, KeyError, TypeError) as exc:
        raise NotFound(_INVALID_LINK) from exc


def member_page_url(
    settings: Settings, member_id: int, version: int = 0, *, issued: datetime | None = None
) -> str:
    """``issued``: when the link is made (a message's creation time: the text of a message, link included,
    must be the same at every attempt, or a resend could not be recognised as the same message)."""
    token = member_page_token(
        settings.secret_key, member_id, version, days=settings.member_link_days, now=issued
    )
    return f"{settings.public_base_url.rstrip('/')}/m/{token}"


# ---- the confirmation of a new e-mail address /e/{token} ---------------------------------------------

EMAIL_CONFIRM = "e"
EMAIL_CONFIRM_DAYS = 2


@dataclass(frozen=True)
class EmailConfirmation:
    member_id: int
    email: str
    consent: bool  # the member asked for offers at that address too
    version: int = 0  # the member's email_link_version when it was made: only that link works, once


def email_confirm_token(
    secret: str,
    member_id: int,
    email: str,
    consent: bool,
    *,
    now: datetime | None = None,
    version: int = 0,
) -> str:
    expires = (now or utcnow()) + timedelta(days=EMAIL_CONFIRM_DAYS)
    claims = {"sub": str(member_id), "em": email, "c": int(consent), "exp": int(expires.timestamp())}
    return _encode(secret, claims | {"p": EMAIL_CONFIRM, "v": version})


def read_email_confirm_token(secret: str, token: str) -> EmailConfirmation:
    """NotFound for a forged, damaged, expired or foreign token."""
    try:
        claims = _decode(secret, token, EMAIL_CONFIRM, ["exp", "em", "c"])
        version = int(str(claims.get("v", 0)))
        return EmailConfirmation(int(str(claims["sub"])), str(claims["em"]), bool(claims["c"]), version)
    except (jwt.PyJWTError, ValueError, KeyError, TypeError) as exc:
        raise NotFound(_INVALID_LINK) from exc


def email_confirm_url(
    settings: Settings, member_id: int, email: str, consent: bool, *, version: int = 0
) -> str:
    token = email_confirm_token(settings.secret_key, member_id, email, consent, version=version)
    return f"{settings.public_base_url.rstrip('/')}/e/{token}"


# ---- the one-click unsubscribe link /u/{token} (per member and channel) --------------------------------


def unsubscribe_token(secret: str, member_id: int, channel: str) -> str:
    return _encode(secret, {"sub": str(member_id), "ch": str(channel), "p": UNSUBSCRIBE})


def read_unsubscribe_token(secret: str, token: str) -> tuple[int, str]:
    """(member id, channel name); NotFound for a forged, damaged or foreign token."""
    try:
        claims = _decode(secret, token, UNSUBSCRIBE, ["ch"])
        return int(str(claims["sub"])), str(claims["ch"])
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise NotFound(_INVALID_LINK) from exc


def unsubscribe_url(settings: Settings, member_id: int, channel: str) -> str:
    token = unsubscribe_token(settings.secret_key, member_id, channel)
    return f"{settings.public_base_url.rstrip('/')}/u/{token}"

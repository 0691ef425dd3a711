"""Google Wallet: the shop's loyalty class and each card's loyalty object, with the same fields as the Apple
pass, in a "Save to Google Wallet" link (a JWT signed RS256 with the issuer's service-account key), and the
object as the Wallet API's REST update sends it when what it shows changes. A replaced or erased card's
object is EXPIRED.

Object updates carry no ``messages`` with a notification: Google allows only a few notifying updates per
object a day, and the lock-screen line is the Apple pass's (announce.py), bound to the coupon's own message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from sqlmodel import Session, col, select

from loyalty.core.errors import NotFound
from loyalty.core.i18n import gettext
from loyalty.core.settings import Settings
from loyalty.models.cards import Card
from loyalty.models.wallet import WalletPass
from loyalty.wallet.content import PassContent, pass_content
from loyalty.wallet.passes import pass_for_card

SAVE_URL = "https://pay.google.com/gp/v/save/"
SCOPE = "https://www.googleapis.com/auth/wallet_object.issuer"
LOGO_PATH = "/wallet/logo.png"  # served by api/routes/wallet.py: Google fetches the class's logo itself


@dataclass(frozen=True)
class ServiceAccount:
    client_email: str
    private_key: str
    private_key_id: str
    token_uri: str


@lru_cache(maxsize=4)
def _account(path: Path) -> ServiceAccount:
    data = json.loads(path.read_text(encoding="utf-8"))
    return ServiceAccount(
        client_email=data["client_email"],
        private_key=data["private_key"],
        private_key_id=data.get("private_key_id", ""),
        token_uri=data.get("token_uri", ""),
    )


def service_account(settings: Settings) -> ServiceAccount:
    if not settings.google_wallet_configured or settings.google_wallet_service_account is None:
        raise NotFound("wallet.not_configured", wallet="Google Wallet")
    return _account(settings.google_wallet_service_account)


def class_id(settings: Settings) -> str:
    return f"{settings.google_wallet_issuer_id}.loyalty"


def object_id(settings: Settings, serial: str) -> str:
    return f"{settings.google_wallet_issuer_id}.{serial}"


def _text(value: str, lang: str) -> dict[str, Any]:
    return {"defaultValue": {"language": lang, "value": value}}


def loyalty_class(settings: Settings, lang: str) -> dict[str, Any]:
    return {
        "id": class_id(settings),
        "issuerName": settings.shop_name,
        "programName": gettext("wallet.pass.description", lang, shop=settings.shop_name),
        "programLogo": {
            "sourceUri": {"uri": f"{settings.public_base_url.rstrip('/')}{LOGO_PATH}"},
            "contentDescription": _text(settings.shop_name, lang),
        },
        "hexBackgroundColor": settings.apple_pass_color,
        "reviewStatus": "UNDER_REVIEW",
    }


def loyalty_object(content: PassContent, settings: Settings) -> dict[str, Any]:
    lang = content.lang
    modules = [{"id": key, "header": header, "body": text} for key, header, text in content.sections()]
    found: dict[str, Any] = {
        "id": object_id(settings, content.serial),
        "classId": class_id(settings),
        "state": "EXPIRED" if content.voided else "ACTIVE",
        "accountId": content.card_number,
        "accountName": content.holder_name,
        "barcode": {"type": "QR_CODE", "value": content.card_number, "alternateText": content.number_display},
        "textModulesData": modules,
        "locations": [{"latitude": s.latitude, "longitude": s.longitude} for s in content.stores],
    }
    if content.announced is not None:
        found["secondaryLoyaltyPoints"] = {
            "label": gettext("wallet.pass.offer", lang),
            "balance": {"string": f"{content.announced.offer} · {content.announced.code}"},
        }
    return found


def save_jwt(content: PassContent, settings: Settings) -> str:
    """The signed "Save to Google Wallet" token: the class and the card's object."""
    account = service_account(settings)
    claims = {
        "iss": account.client_email,
        "aud": "google",
        "typ": "savetowallet",
        "origins": [settings.public_base_url.rstrip("/")],
        "payload": {
            "loyaltyClasses": [loyalty_class(settings, content.lang)],
            "loyaltyObjects": [loyalty_object(content, settings)],
        },
    }
    headers = {"kid": account.private_key_id} if account.private_key_id else None
    return jwt.encode(claims, account.private_key, algorithm="RS256", headers=headers)


def save_url(content: PassContent, settings: Settings) -> str:
    return SAVE_URL + save_jwt(content, settings)


def card_save_url(session: Session, card: Card, settings: Settings, now: datetime) -> str:
    """The member's "Save to Google Wallet" link for the card; from now on its object follows the card's
    changes through the Wallet API. Flushes."""
    service_account(settings)  # refuse before making a pass row when the shop has no issuer account
    wallet_pass = pass_for_card(session, card, now)
    wallet_pass.google_saved = True
    session.add(wallet_pass)
    session.flush()
    content = pass_content(session, wallet_pass, shop_name=settings.shop_name, now=now)
    return save_url(content, settings)


def objects_to_update(
    session: Session, pass_ids: list[int], settings: Settings, now: datetime
) -> list[tuple[int, dict[str, Any]]]:
    """The loyalty objects, as they stand now, of the passes handed out to Google Wallet."""
    found = session.exec(
        select(WalletPass).where(col(WalletPass.id).in_(pass_ids), col(WalletPass.google_saved).is_(True))
    ).all()
    return [
        (p.id or 0, loyalty_object(pass_content(session, p, shop_name=settings.shop_name, now=now), settings))
        for p in found
    ]


def record_states(session: Session, states: dict[int, str]) -> None:
    """The state each object was last sent to Google with. Flushes."""
    for pass_id, state in states.items():
        wallet_pass = session.get(WalletPass, pass_id)
        if wallet_pass is not None:
            wallet_pass.google_state = state
            session.add(wallet_pass)
    session.flush()

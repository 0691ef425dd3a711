"""The Apple Wallet store card: pass.json from a pass's content, signed into a .pkpass.

The front: the shop's logo and name, the holder's name, the card number and its QR code (the card's digits,
what the counter scans, as on the printed card), and the newest coupon announced on the lock screen (its
``changeMessage``). The back: every active coupon, the next occasion, the stores. Stores with coordinates
are the pass's locations. A replaced or erased card's pass is ``voided``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlmodel import Session

from loyalty.core.errors import NotFound
from loyalty.core.i18n import gettext
from loyalty.core.settings import Settings
from loyalty.models.cards import Card
from loyalty.models.wallet import WalletPass
from loyalty.wallet import pkpass
from loyalty.wallet.content import PassContent, pass_content
from loyalty.wallet.images import pass_images
from loyalty.wallet.passes import pass_for_card


@dataclass(frozen=True)
class AppleIdentity:
    pass_type_id: str
    team_id: str
    web_service_url: str  # {public base}/api/v1/wallet: Apple appends /v1/devices/..., /v1/passes/...
    color: str  # "#6b3e26"
    logo: Path | None


def _rgb(color: str) -> str:
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def pass_json(content: PassContent, identity: AppleIdentity) -> dict[str, Any]:
    lang = content.lang
    barcode = {
        "format": "PKBarcodeFormatQR",
        "message": content.card_number,
        "messageEncoding": "iso-8859-1",
        "altText": content.number_display,
    }
    front: dict[str, list[dict[str, Any]]] = {
        "primaryFields": [
            {"key": "holder", "label": gettext("wallet.pass.holder", lang), "value": content.holder_name}
        ],
        "secondaryFields": [
            {"key": "number", "label": gettext("wallet.pass.number", lang), "value": content.number_display}
        ],
    }
    if content.announced is not None:
        front["auxiliaryFields"] = [
            {
                "key": "offer",
                "label": gettext("wallet.pass.offer", lang),
                "value": f"{content.announced.offer} · {content.announced.code}",
                "changeMessage": gettext("wallet.pass.offer_change", lang),
            }
        ]
    back = [{"key": key, "label": label, "value": text} for key, label, text in content.sections()]
    if content.voided:
        back.insert(0, {"key": "voided", "label": "", "value": gettext("wallet.pass.voided", lang)})
    document: dict[str, Any] = {
        "formatVersion": 1,
        "passTypeIdentifier": identity.pass_type_id,
        "teamIdentifier": identity.team_id,
        "serialNumber": content.serial,
        "organizationName": content.shop_name,
        "description": gettext("wallet.pass.description", lang, shop=content.shop_name),
        "logoText": content.shop_name,
        "backgroundColor": _rgb(identity.color),
        "foregroundColor": "rgb(255, 255, 255)",
        "labelColor": "rgb(240, 228, 216)",
        "webServiceURL": identity.web_service_url,
        "authenticationToken": content.auth_token,
        "barcodes": [barcode],
        "barcode": barcode,  # iOS before 9 reads only this one
        "storeCard": front | {"backFields": back},
    }
    if content.stores:
        document["locations"] = [
            {
                "latitude": s.latitude,
                "longitude": s.longitude,
                "relevantText": gettext("wallet.pass.near", lang, store=s.name),
            }
            for s in content.stores
        ]
    if content.voided:
        document["voided"] = True
    return document


def pkpass_bytes(content: PassContent, identity: AppleIdentity, signer: pkpass.PassSigner) -> bytes:
    images = pass_images(content.shop_name, identity.color, identity.logo)
    return pkpass.build(pass_json(content, identity), images, signer)


def apple_identity(settings: Settings) -> AppleIdentity:
    if not settings.apple_pass_configured:
        raise NotFound("wallet.not_configured", wallet="Apple Wallet")
    return AppleIdentity(
        pass_type_id=settings.apple_pass_type_id,
        team_id=settings.apple_pass_team_id,
        web_service_url=f"{settings.public_base_url.rstrip('/')}/api/v1/wallet",
        color=settings.apple_pass_color,
        logo=settings.apple_pass_logo,
    )


@lru_cache(maxsize=4)
def _signer(certificate: Path, key: Path, wwdr: Path, password: str) -> pkpass.PassSigner:
    return pkpass.PassSigner.from_files(certificate, key, wwdr, password)


def signer_of(settings: Settings) -> pkpass.PassSigner:
    assert settings.apple_pass_certificate and settings.apple_pass_key and settings.apple_pass_wwdr
    return _signer(
        settings.apple_pass_certificate,
        settings.apple_pass_key,
        settings.apple_pass_wwdr,
        settings.apple_pass_key_password,
    )


def signed_pass(session: Session, wallet_pass: WalletPass, settings: Settings, now: datetime) -> bytes:
    """The pass as it stands now (voided when its card no longer is active), signed."""
    identity = apple_identity(settings)
    content = pass_content(session, wallet_pass, shop_name=settings.shop_name, now=now)
    return pkpass_bytes(content, identity, signer_of(settings))


def card_pass(session: Session, card: Card, settings: Settings, now: datetime) -> tuple[WalletPass, bytes]:
    """The member's download: the card's pass (made the first time), signed. Flushes."""
    apple_identity(settings)  # refuse before making a pass row when the shop has no pass certificate
    wallet_pass = pass_for_card(session, card, now)
    return wallet_pass, signed_pass(session, wallet_pass, settings, now)

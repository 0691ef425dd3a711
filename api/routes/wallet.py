"""The card in the phone's wallet.

- ``GET /m/{key}/card.pkpass``: the member's Apple Wallet pass (the member page's link is the credential).
- ``GET /m/{key}/card/google``: to Google Wallet's save page with the signed JWT; ``GET /wallet/logo.png``.
- Apple's pass web service under ``/api/v1/wallet`` (``webServiceURL``): devices register for a pass's
  updates, ask which passes changed since a tag, fetch the latest pass, and send their logs; every call
  but the log carries ``Authorization: ApplePass <authenticationToken>``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any

from fastapi import Header, Path, Response, status
from fastapi.responses import RedirectResponse

from api.deps import SessionDep, SettingsDep
from api.routing import api_router
from loyalty.cards import issuing
from loyalty.cards.printing import printable_card
from loyalty.core.clock import utcnow
from loyalty.core.errors import Unauthorized
from loyalty.members.links import member_for_link
from loyalty.models.cards import Card
from loyalty.models.wallet import WalletPass
from loyalty.wallet import apple, google, passes, pkpass
from loyalty.wallet.images import pass_images
from loyalty.wallet.schemas import DeviceLogs, PushRegistration, SerialsUpdated

log = logging.getLogger(__name__)

pages = api_router(tags=["wallet"])  # at the root, beside the member page
PKPASS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {pkpass.MEDIA_TYPE: {}}, "description": "a signed Apple Wallet pass"}
}


def _linked_card(session: SessionDep, settings: SettingsDep, token: str, now: datetime) -> Card:
    """The active card of the member behind a page link (the link's errors, 404 until a card is earned)."""
    member = member_for_link(session, settings.secret_key, token, now)
    assert member.id is not None
    return printable_card(session, issuing.member_card(session, member.id).number)


@pages.get("/m/{token}/card.pkpass", response_class=Response, responses=PKPASS_RESPONSE)
def card_pkpass(token: str, session: SessionDep, settings: SettingsDep) -> Response:
    """The member's active card as an Apple Wallet pass (404 until earned; a held card is not given)."""
    now = utcnow()
    card = _linked_card(session, settings, token, now)
    _pass, data = apple.card_pass(session, card, settings, now)
    session.commit()
    return Response(
        data,
        media_type=pkpass.MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="card-{card.number}.pkpass"',
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


@pages.get("/m/{token}/card/google", response_class=RedirectResponse, status_code=status.HTTP_303_SEE_OTHER)
def card_google(token: str, session: SessionDep, settings: SettingsDep) -> RedirectResponse:
    """The member's active card to Google Wallet: a redirect to Google's save page with the signed JWT."""
    now = utcnow()
    card = _linked_card(session, settings, token, now)
    url = google.card_save_url(session, card, settings, now)
    session.commit()
    return RedirectResponse(
        url, status_code=status.HTTP_303_SEE_OTHER, headers={"Referrer-Policy": "no-referrer"}
    )


@pages.get(google.LOGO_PATH, response_class=Response, responses={200: {"content": {"image/png": {}}}})
def wallet_logo(settings: SettingsDep) -> Response:
    """The shop's logo as Google Wallet's loyalty class shows it."""
    images = pass_images(settings.shop_name, settings.apple_pass_color, settings.apple_pass_logo)
    return Response(images["logo@2x.png"], media_type="image/png", headers={"Cache-Control": "max-age=86400"})


service = api_router(prefix="/wallet", tags=["wallet"])  # under /api/v1: the pass's webServiceURL
DEVICE = "/v1/devices/{device_id}/registrations/{pass_type}"


def _authorized(
    session: SessionDep, settings: SettingsDep, pass_type: str, serial: str, authorization: str | None
) -> WalletPass:
    found = passes.authorized_pass(session, serial, authorization)
    if found is None or pass_type != settings.apple_pass_type_id:
        raise Unauthorized("wallet.unauthorized")
    return found


@service.post(DEVICE + "/{serial}", status_code=status.HTTP_201_CREATED)
def register_device(
    device_id: Annotated[str, Path(max_length=100)],
    pass_type: str,
    serial: str,
    data: PushRegistration,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> None:
    """201 when the device is newly registered for the pass's updates, 200 when it already was."""
    wallet_pass = _authorized(session, settings, pass_type, serial, authorization)
    created = passes.register_device(session, wallet_pass, device_id, data.pushToken)
    session.commit()
    if not created:
        response.status_code = status.HTTP_200_OK


@service.delete(DEVICE + "/{serial}")
def unregister_device(
    device_id: str,
    pass_type: str,
    serial: str,
    session: SessionDep,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> None:
    wallet_pass = _authorized(session, settings, pass_type, serial, authorization)
    passes.unregister_device(session, wallet_pass, device_id)
    session.commit()


@service.get(DEVICE, response_model=SerialsUpdated, responses={204: {"description": "nothing changed"}})
def serials_updated(
    device_id: str,
    pass_type: str,
    session: SessionDep,
    settings: SettingsDep,
    passesUpdatedSince: str | None = None,
) -> Any:
    """The serials of the device's passes changed since the tag it last saw (204: none)."""
    since = int(passesUpdatedSince) if passesUpdatedSince and passesUpdatedSince.isdigit() else None
    if pass_type != settings.apple_pass_type_id:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    serials, last = passes.serials_updated_since(session, device_id, since)
    if not serials:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return SerialsUpdated(serialNumbers=serials, lastUpdated=str(last))


@service.get("/v1/passes/{pass_type}/{serial}", response_class=Response, responses=PKPASS_RESPONSE)
def latest_pass(
    pass_type: str,
    serial: str,
    session: SessionDep,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
    if_modified_since: Annotated[str | None, Header()] = None,
) -> Response:
    """The pass as it stands (voided once its card is replaced or erased); 304 when not changed since."""
    wallet_pass = _authorized(session, settings, pass_type, serial, authorization)
    modified = wallet_pass.updated_at.replace(microsecond=0)
    if if_modified_since:
        try:
            seen = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            seen = None
        if seen is not None and seen.tzinfo is not None and modified <= seen:
            return Response(status_code=status.HTTP_304_NOT_MODIFIED)
    data = apple.signed_pass(session, wallet_pass, settings, utcnow())
    return Response(
        data,
        media_type=pkpass.MEDIA_TYPE,
        headers={"Last-Modified": format_datetime(modified, usegmt=True), "Cache-Control": "no-store"},
    )


@service.post("/v1/log")
def device_log(data: DeviceLogs) -> None:
    """What Wallet reports about this web service (errors talking to it), into the server's log."""
    for line in data.logs:
        log.warning("Wallet device log: %s", line[:500])

"""Twilio webhooks: delivery status callbacks and inbound SMS keywords (STOP / START / RET / İPTAL ...).

Both check X-Twilio-Signature (loyalty.messaging.twilio_webhooks) against the configured public base URL
(never the URL this process saw: a proxy changes scheme and host) and answer 403 when it is wrong. A
signature has no timestamp, so a captured request can be replayed: an inbound message is acted on once per
MessageSid (loyalty.webhook_receipts), and one without a MessageSid is refused (400: Twilio always sends
one, so only a forged or edited replay lacks it); a status callback only ever moves a message forward, so
its replay changes nothing. The routes are plain ``def``: they use the synchronous session in the thread
pool, never on the event loop (a row lock held elsewhere must not stall every other request).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from api.deps import SessionDep, SettingsDep
from api.routing import api_router
from loyalty.core.clock import utcnow
from loyalty.core.db import MAX_ID
from loyalty.core.errors import DomainError, Forbidden
from loyalty.delivery.outcomes import apply_provider_status
from loyalty.members.keywords import handle_inbound_sms
from loyalty.messaging.receipts import first_receipt
from loyalty.messaging.twilio_webhooks import signed_by_twilio, status_report

router = api_router(tags=["webhooks"])

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def verified_form(request: Request, settings: SettingsDep) -> dict[str, str]:
    """The form of a request Twilio signed (403 otherwise); read on the event loop, no database."""
    form = await request.form()
    params = {key: str(value) for key, value in form.items()}
    url = settings.public_base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signed_by_twilio(settings.twilio_auth_token, url, params, signature):
        raise Forbidden("auth.twilio_signature")
    return params


TwilioForm = Annotated[dict[str, str], Depends(verified_form)]


def _sid(params: dict[str, str]) -> str:
    return params.get("MessageSid") or params.get("SmsSid") or ""


@router.post("/webhooks/twilio/status")
def twilio_status(request: Request, params: TwilioForm, session: SessionDep) -> Response:
    sid = _sid(params)
    state = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
    raw_id = request.query_params.get("m", "")
    if sid and state:
        error_code = params.get("ErrorCode") or None
        target, effect = status_report(state, error_code)
        apply_provider_status(
            session,
            provider_id=sid,
            state=target,
            provider_status=state,
            message_id=int(raw_id) if raw_id.isdigit() and int(raw_id) <= MAX_ID else None,
            error_code=error_code,
            effect=effect,
        )
        session.commit()
    return Response(status_code=204)


@router.post("/webhooks/twilio/inbound")
def twilio_inbound(params: TwilioForm, session: SessionDep) -> Response:
    sid = _sid(params)
    if not sid:  # nothing to de-duplicate on: a replayed START after STOP would re-grant SMS
        raise DomainError("auth.message_sid_required")  # a 400
    if first_receipt(session, "inbound", sid, utcnow()):  # a replayed MessageSid: nothing
        handle_inbound_sms(
            session, sender=params.get("From", ""), body=params.get("Body", ""), message_sid=sid
        )
    session.commit()
    return Response(EMPTY_TWIML, media_type="application/xml")

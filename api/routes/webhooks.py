"""Twilio webhooks: delivery status callbacks and inbound SMS keywords (STOP / START / RET / İPTAL ...).

Both check X-Twilio-Signature with RequestValidator against the configured public base URL (never the
URL this process saw: a proxy changes scheme and host) and answer 403 when it is wrong.
"""

from __future__ import annotations

from fastapi import HTTPException, Request, Response, status
from twilio.request_validator import RequestValidator

from api.deps import SessionDep, SettingsDep
from api.routing import api_router
from loyalty.core.db import MAX_ID
from loyalty.delivery.outcomes import apply_provider_status
from loyalty.members.keywords import handle_inbound_sms
from workers.channels.twilio_sms import status_report

router = api_router(tags=["webhooks"])

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def _verified_form(request: Request, settings: SettingsDep) -> dict[str, str]:
    form = await request.form()
    params = {key: str(value) for key, value in form.items()}
    url = settings.public_base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    signature = request.headers.get("X-Twilio-Signature", "")
    token = settings.twilio_auth_token
    if not token or not signature or not RequestValidator(token).validate(url, params, signature):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid Twilio signature")
    return params


@router.post("/webhooks/twilio/status")
async def twilio_status(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    params = await _verified_form(request, settings)
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
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
async def twilio_inbound(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    params = await _verified_form(request, settings)
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    handle_inbound_sms(session, sender=params.get("From", ""), body=params.get("Body", ""), message_sid=sid)
    session.commit()
    return Response(EMPTY_TWIML, media_type="application/xml")

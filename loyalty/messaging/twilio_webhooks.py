"""What Twilio's webhooks mean in our terms, and whether a request really comes from Twilio.

The API's webhook routes and the SMS channel (workers/channels/twilio_sms.py) read the same tables here.
"""

from __future__ import annotations

from twilio.request_validator import RequestValidator

from loyalty.models.messages import MessageState

# Twilio error codes the member's record learns from, whether at send time or in a status callback
TWILIO_ERROR_EFFECTS = {"21211": "invalid_phone", "21610": "opted_out"}
# Twilio's message statuses that move our message (queued/accepted/sending move nothing)
TWILIO_STATES = {
    "sent": MessageState.sent,
    "delivered": MessageState.delivered,
    "read": MessageState.delivered,
    "undelivered": MessageState.failed,
    "failed": MessageState.failed,
}


def status_report(status: str, error_code: str | None) -> tuple[MessageState | None, str | None]:
    """A status callback's (state to move to, effect on the member's record) in our own terms."""
    state = TWILIO_STATES.get(status.lower())
    effect = TWILIO_ERROR_EFFECTS.get(error_code or "") if state == MessageState.failed else None
    return state, effect


def signed_by_twilio(auth_token: str, url: str, params: dict[str, str], signature: str) -> bool:
    """X-Twilio-Signature checked against the URL Twilio was given (the public base URL, never the URL
    this process saw) and the form; False without a token or a signature."""
    if not auth_token or not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, params, signature))

"""SMS through the official twilio client: From or Messaging Service SID, StatusCallback, ValidityPeriod.

The client's transport is ``twilio_transport.Urllib3HttpClient``: ``LOYALTY_TWILIO_BASE_URL`` points it at
a compatible server (tests, a sandbox), and it keeps the last response's headers, so a 429's Retry-After is
honoured.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from loyalty.core.clock import real_utcnow, utcnow
from loyalty.core.settings import Settings
from loyalty.messaging.adapter import Outgoing, PermanentSendError, TransientSendError, same_text
from loyalty.messaging.twilio_webhooks import TWILIO_ERROR_EFFECTS
from workers.channels.twilio_transport import Urllib3HttpClient

STATUS_PATH = "/api/v1/webhooks/twilio/status"


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or real_utcnow())).total_seconds())  # the provider's date: real time


class TwilioSmsChannel:
    name = "sms"
    can_reconcile = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.http = Urllib3HttpClient(settings.twilio_base_url, timeout=settings.twilio_timeout)
        self.client = Client(
            settings.twilio_account_sid, settings.twilio_auth_token, http_client=self.http, environment={}
        )

    def status_callback(self, message_id: int) -> str:
        return f"{self.settings.public_base_url.rstrip('/')}{STATUS_PATH}?m={message_id}"

    def send(self, out: Outgoing) -> str:
        kwargs: dict[str, Any] = {
            "to": out.to,
            "body": out.text,
            "status_callback": self.status_callback(out.message_id),
            "validity_period": self.settings.twilio_validity_period,
        }
        if self.settings.twilio_messaging_service_sid:
            kwargs["messaging_service_sid"] = self.settings.twilio_messaging_service_sid
        else:
            kwargs["from_"] = self.settings.twilio_from_number
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            raise self._classify(exc) from exc
        except requests.ConnectTimeout as exc:
            raise TransientSendError(f"connect timeout: {exc}", code="timeout") from exc
        except requests.Timeout as exc:  # read timeout: Twilio may have accepted it
            raise TransientSendError(f"timeout: {exc}", code="timeout", uncertain=True) from exc
        except requests.ConnectionError as exc:
            raise TransientSendError(f"connection: {exc}", code="connection", uncertain=True) from exc
        return str(message.sid)

    def _classify(self, exc: TwilioRestException) -> Exception:
        status, code = int(exc.status or 0), int(exc.code or 0)
        text = f"twilio {status} {code or ''}: {exc.msg}".strip()
        if status == 429 or status >= 500:
            retry_after = retry_after_seconds(self.http.last_headers.get("retry-after"))
            return TransientSendError(text, code=str(code or status), retry_after=retry_after)
        # any other 4xx fails: 21211 and 21610 also teach the member's record, 21614/21612 just fail
        return PermanentSendError(text, code=str(code or status), effect=TWILIO_ERROR_EFFECTS.get(str(code)))

    def find_accepted(self, out: Outgoing) -> str | None:
        """Did Twilio already accept this text for this number since our first attempt?"""
        since = (out.first_claimed_at or utcnow()) - timedelta(minutes=2)
        try:
            recent = self.client.messages.list(to=out.to, limit=50)
        except TwilioRestException as exc:
            raise self._classify(exc) from exc
        except requests.RequestException as exc:
            raise TransientSendError(f"reconcile: {exc}", code="connection", uncertain=True) from exc
        for message in recent:
            created = message.date_created
            if same_text(out, message.body or "") and (created is None or created >= since):
                return str(message.sid)
        return None

"""SMS through the official twilio client: From or Messaging Service SID, StatusCallback, ValidityPeriod.

``LOYALTY_TWILIO_BASE_URL`` points the client at a compatible server (tests, a sandbox): the http client
below swaps scheme and host and keeps Twilio's paths. It also keeps the last response's headers, so a 429's
Retry-After is honoured.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from loyalty.core.clock import real_utcnow, utcnow
from loyalty.core.settings import Settings
from loyalty.messaging.adapter import Outgoing, PermanentSendError, TransientSendError, same_text
from loyalty.messaging.twilio_webhooks import TWILIO_ERROR_EFFECTS

STATUS_PATH = "/api/v1/webhooks/twilio/status"
TWILIO_API = "https://api.twilio.com"


class BaseUrlHttpClient(TwilioHttpClient):
    """Sends Twilio's requests to ``base_url`` (when set) and remembers the last response's headers.

    The proxy and CA bundle variables of the environment (``HTTPS_PROXY``, ``NO_PROXY``,
    ``REQUESTS_CA_BUNDLE``...) are read once, here, for the one host it calls: requests would read and
    match them again on every request, a fifth of a call's CPU on the send path."""

    def __init__(self, base_url: str = "", timeout: float | None = None) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")
        self.last_headers: dict[str, str] = {}
        assert self.session is not None  # pool_connections: one kept-alive session per client
        found = self.session.merge_environment_settings(self.base_url or TWILIO_API, {}, None, None, None)
        self.proxy = found["proxies"]
        self.session.verify = found["verify"]
        self.session.trust_env = False

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self.base_url:
            target, base = urlsplit(url), urlsplit(self.base_url)
            url = urlunsplit((base.scheme, base.netloc, target.path, target.query, target.fragment))
        self.last_headers = {}
        response = super().request(method, url, *args, **kwargs)
        self.last_headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        return response


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
        self.http = BaseUrlHttpClient(settings.twilio_base_url, timeout=settings.twilio_timeout)
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

"""A local HTTP server speaking enough of Twilio's Messages API for the real twilio client.

POST /2010-04-01/Accounts/{sid}/Messages.json creates a message (or answers a scripted error), GET on the
same path lists the accepted ones (filtered by To). ``script`` holds actions for the next POSTs:
``("error", http_status, twilio_code)``, ``("429", retry_after)``, ``("accept_then_stall", seconds)``
(accepts, then answers too late for the client), ``("stall", seconds)`` (answers late, accepts nothing).
``fail_numbers`` maps a To number to a Twilio error code for every attempt.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

from loyalty.core.settings import Settings
from tests.workers.loopback_server import JsonHandler, LoopbackServer

ERRORS = {
    21211: "The 'To' number is not a valid phone number.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    21612: "The 'To' phone number is not currently reachable via SMS",
    20500: "Internal Server Error",
    20429: "Too Many Requests",
}


@dataclass
class FakeTwilio:
    accepted: list[dict[str, Any]] = field(default_factory=list)
    script: deque[tuple[Any, ...]] = field(default_factory=deque)
    fail_numbers: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    seen: list[dict[str, Any]] = field(default_factory=list)  # each request: method, path, headers, form
    delay: float = 0.0  # seconds each POST takes (to give a test time to kill a worker mid-campaign)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def accept(self, form: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            record = {
                "sid": f"SM{next(self._ids):032d}",
                "to": form.get("To", ""),
                "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "body": form.get("Body", ""),
                "status": "queued",
                "status_callback": form.get("StatusCallback"),
                "validity_period": form.get("ValidityPeriod"),
                "date_created": format_datetime(datetime.now(UTC), usegmt=True),
            }
            self.accepted.append(record)
            return record

    def bodies_to(self, number: str) -> list[str]:
        with self.lock:
            return [r["body"] for r in self.accepted if r["to"] == number]


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in {"status_callback", "validity_period"}}


def make_handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def _error(self, status: int, code: int, headers: dict[str, str] | None = None) -> None:
            self._answer(
                status,
                {"code": code, "message": ERRORS.get(code, "error"), "more_info": "", "status": status},
                headers,
            )

        def _saw(self, form: dict[str, str]) -> None:
            with fake.lock:
                fake.seen.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers), "form": form}
                )

        def do_GET(self) -> None:
            self._saw({})
            query = parse_qs(urlsplit(self.path).query)
            to = query.get("To", [None])[0]
            with fake.lock:
                found = [_public(r) for r in reversed(fake.accepted) if to is None or r["to"] == to]
            self._answer(200, {"messages": found, "next_page_uri": None, "page": 0, "page_size": 50})

        def do_POST(self) -> None:
            body = self._raw_body()
            if body is None:
                return  # cut off mid-request: nothing was asked, nothing is accepted
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            self._saw(form)
            if not form.get("To"):
                return self._error(400, 21604)
            with fake.lock:
                fake.requests += 1
                action = fake.script.popleft() if fake.script else ("ok",)
            code = fake.fail_numbers.get(form.get("To", ""))
            if fake.delay:
                time.sleep(fake.delay)
            if action[0] == "error":
                return self._error(action[1], action[2])
            if action[0] == "429":
                return self._error(429, 20429, {"Retry-After": str(action[1])})
            if action[0] == "stall":
                time.sleep(action[1])
                return self._error(503, 20500)
            if code is not None:
                return self._error(400, code)
            record = fake.accept(form)
            if action[0] == "accept_then_stall":
                time.sleep(action[1])
            self._answer(201, _public(record))

    return Handler


class FakeTwilioServer(LoopbackServer):
    def __init__(self) -> None:
        self.fake = FakeTwilio()
        super().__init__(make_handler(self.fake))


def twilio_settings(settings: Settings, url: str, **extra: Any) -> Settings:
    """``settings`` sending SMS through the fake at ``url`` at any hour (the tests run at the real time of
    day: no quiet hours); ``extra`` overrides or adds settings."""
    return settings.model_copy(
        update={
            "sms_backend": "twilio",
            "twilio_account_sid": "AC" + "0" * 32,
            "twilio_auth_token": "test-token",
            "twilio_from_number": "+15005550006",
            "twilio_base_url": url,
            "twilio_timeout": 0.5,
            "quiet_hours_start": 0,
            "quiet_hours_end": 0,
            **extra,
        }
    )


class StockTransport(TwilioHttpClient):
    """twilio's own transport (requests), its scheme and host swapped for the fake's: what a plain client
    pointed at this fake sends (the transport test compares the product's with it, the benchmark's raw
    loop is timed with it)."""

    def __init__(self, base_url: str, timeout: float | None = None) -> None:
        super().__init__(timeout=timeout)
        self.base = urlsplit(base_url)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        target = urlsplit(url)
        url = urlunsplit((self.base.scheme, self.base.netloc, target.path, target.query, target.fragment))
        return super().request(method, url, *args, **kwargs)

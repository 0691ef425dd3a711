"""A local HTTP server speaking İYS's consent API: OAuth2 password token, adding a consent, pulling the
changes made at İYS (``after`` cursor, ``limit``).

``consents`` holds every consent accepted (a repeat of the same recipient, type, status and date is
answered like the first, with the same transaction id, and not stored twice); ``script`` holds answers
for the next consent uploads (``("http", 500)``). ``refuse_at_iys(recipient, date)`` records a refusal
made by the citizen at İYS: it appears in the changes feed.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.workers.loopback_server import JsonHandler, LoopbackServer

FIELDS = ("type", "source", "recipient", "recipientType", "status", "consentDate")


@dataclass
class FakeIys:
    username: str = "api-user"
    password: str = "api-pass"
    iys_code: str = "700100"
    brand_code: str = "654321"
    consents: list[dict[str, Any]] = field(default_factory=list)
    uploads: int = 0  # every upload attempt that reached the consent endpoint
    changes: list[dict[str, Any]] = field(default_factory=list)
    script: deque[tuple[Any, ...]] = field(default_factory=deque)
    tokens: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def refuse_at_iys(self, recipient: str, consent_date: str, kind: str = "MESAJ") -> None:
        with self.lock:
            self.changes.append(
                {
                    "type": kind,
                    "source": "IYS_MOBIL",
                    "recipient": recipient,
                    "recipientType": "BIREYSEL",
                    "status": "RET",
                    "consentDate": consent_date,
                    "creationDate": consent_date,
                    "transactionId": f"iys-{next(self._ids)}",
                }
            )


def make_handler(fake: FakeIys) -> type[BaseHTTPRequestHandler]:
    brand = f"/sps/{fake.iys_code}/brands/{fake.brand_code}"

    class Handler(JsonHandler):
        def _error(self, status: int, code: str, message: str) -> None:
            self._answer(status, {"errors": [{"code": code, "message": message}]})

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length", 0))
            data = json.loads(self.rfile.read(length) or b"{}")
            return data if isinstance(data, dict) else {}

        def _authorized(self) -> bool:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            with fake.lock:
                return token in fake.tokens

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            body = self._body()
            if path == "/oauth2/token":
                if (body.get("grant_type"), body.get("username"), body.get("password")) != (
                    "password",
                    fake.username,
                    fake.password,
                ):
                    return self._error(401, "H001", "invalid credentials")
                token = f"token-{next(fake._ids)}"
                with fake.lock:
                    fake.tokens.add(token)
                return self._answer(200, {"access_token": token, "expires_in": 7200, "token_type": "Bearer"})
            if not self._authorized():
                return self._error(401, "H002", "unauthorized")
            if path != f"{brand}/consents":
                return self._error(404, "H404", "not found")
            with fake.lock:
                fake.uploads += 1
                action = fake.script.popleft() if fake.script else ("ok",)
            if action[0] == "http":
                return self._error(action[1], "H500", "scripted failure")
            missing = [name for name in FIELDS if not body.get(name)]
            if (
                missing
                or body["status"] not in ("ONAY", "RET")
                or body["type"] not in ("MESAJ", "EPOSTA", "ARAMA")
            ):
                return self._error(400, "H100", f"invalid consent: {', '.join(missing) or 'status/type'}")
            record = {name: body[name] for name in FIELDS}
            with fake.lock:
                for kept in fake.consents:
                    if {name: kept[name] for name in FIELDS} == record:
                        return self._answer(200, {"transactionId": kept["transactionId"]})
                kept = record | {"transactionId": f"tx-{next(fake._ids)}"}
                fake.consents.append(kept)
            self._answer(200, {"transactionId": kept["transactionId"], "creationDate": record["consentDate"]})

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if not self._authorized():
                return self._error(401, "H002", "unauthorized")
            if url.path != f"{brand}/consents/changes":
                return self._error(404, "H404", "not found")
            query = parse_qs(url.query)
            start = int(query.get("after", ["0"])[0] or 0)
            limit = int(query.get("limit", ["999"])[0])
            with fake.lock:
                page = fake.changes[start : start + limit]
            self._answer(200, {"after": str(start + len(page)), "list": page})

    return Handler


class FakeIysServer(LoopbackServer):
    def __init__(self) -> None:
        self.fake = FakeIys()
        super().__init__(make_handler(self.fake))

"""A local HTTP server speaking NetGSM's REST v2 SMS API (send, report, inbox) as its SDKs call it.

``POST /sms/rest/v2/send`` checks Basic auth (code "30"), the header (``headers``; "40"), the messages
("70"), and, for a commercial ``iysfilter`` (11 or 12), drops numbers without İYS consent (``consent``:
numbers in NetGSM's form, 905...), as an İYS intermediary does: they are reported with status 16.
``script`` holds actions for the next sends: ``("code", "80")`` answers that code (HTTP 406),
``("http", 503)`` a server error. ``POST /sms/rest/v2/report`` answers the jobs' rows;
``GET /sms/rest/v2/inbox`` hands out ``inbox`` once (later calls: code "40").
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.workers.loopback_server import JsonHandler, LoopbackServer


@dataclass
class FakeNetgsm:
    usercode: str = "8500000000"
    password: str = "secret"
    headers: set[str] = field(default_factory=lambda: {"KOSEKAHVE"})
    consent: set[str] = field(default_factory=set)  # numbers with a commercial consent at İYS
    requests: list[dict[str, Any]] = field(default_factory=list)  # every accepted send body
    jobs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    inbox: list[dict[str, str]] = field(default_factory=list)
    script: deque[tuple[Any, ...]] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(17_000_001))

    def sent_to(self, number: str) -> list[tuple[dict[str, Any], str]]:
        """(request body, text) of every accepted message to ``number`` (NetGSM's form)."""
        with self.lock:
            return [(r, m["msg"]) for r in self.requests for m in r["messages"] if m["no"] == number]

    def deliver_all(self) -> None:
        """The operator delivers every waiting message (report status 1)."""
        with self.lock:
            for rows in self.jobs.values():
                for row in rows:
                    if row["status"] == 0:
                        row["status"] = 1


def make_handler(fake: FakeNetgsm) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def _code(self, code: str, description: str) -> None:
            self._answer(406, {"code": code, "description": description})

        def _authorized(self) -> bool:
            expected = base64.b64encode(f"{fake.usercode}:{fake.password}".encode()).decode()
            return self.headers.get("Authorization", "") == f"Basic {expected}"

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length", 0))
            data = json.loads(self.rfile.read(length) or b"{}")
            return data if isinstance(data, dict) else {}

        def do_GET(self) -> None:
            if not self._authorized():
                return self._code("30", "invalid credentials")
            if urlsplit(self.path).path != "/sms/rest/v2/inbox":
                return self._answer(404, {"code": "404", "description": "not found"})
            query = parse_qs(urlsplit(self.path).query)
            if "startdate" not in query or "stopdate" not in query:
                return self._code("70", "startdate and stopdate required")
            with fake.lock:
                messages, fake.inbox = fake.inbox, []
            if not messages:
                return self._code("40", "no messages")
            self._answer(200, {"code": "00", "description": "success", "messages": messages})

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            body = self._body()
            if not self._authorized():
                return self._code("30", "invalid credentials")
            if path == "/sms/rest/v2/report":
                with fake.lock:
                    rows = [dict(r) for j in body.get("jobids") or [] for r in fake.jobs.get(str(j), [])]
                if not rows:
                    return self._code("60", "no records")
                return self._answer(200, {"code": "00", "description": "success", "jobs": rows})
            if path != "/sms/rest/v2/send":
                return self._answer(404, {"code": "404", "description": "not found"})
            with fake.lock:
                action = fake.script.popleft() if fake.script else ("ok",)
            if action[0] == "code":
                return self._code(action[1], "scripted")
            if action[0] == "http":
                return self._answer(action[1], {"description": "scripted server error"})
            if body.get("msgheader") not in fake.headers:
                return self._code("40", "message header not defined")
            messages = body.get("messages")
            if not isinstance(messages, list) or not messages:
                return self._code("70", "messages missing")
            for m in messages:
                if not isinstance(m, dict) or not str(m.get("no", "")).isdigit() or not m.get("msg"):
                    return self._code("70", "invalid message")
            if body.get("iysfilter") not in ("0", "11", "12"):
                return self._code("70", "iysfilter must be 0, 11 or 12")
            commercial = body["iysfilter"] != "0"
            with fake.lock:
                jobid = str(next(fake._ids))
                fake.requests.append(body)
                fake.jobs[jobid] = [
                    {
                        "jobid": jobid,
                        "number": m["no"],
                        "status": 16 if commercial and m["no"] not in fake.consent else 0,
                        "operator": 10,
                        "msglen": len(m["msg"]),
                    }
                    for m in messages
                ]
            self._answer(200, {"code": "00", "description": "queued", "jobid": jobid})

    return Handler


class FakeNetgsmServer(LoopbackServer):
    def __init__(self) -> None:
        self.fake = FakeNetgsm()
        super().__init__(make_handler(self.fake))

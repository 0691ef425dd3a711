"""A local Google Wallet API: the OAuth token endpoint (a JWT bearer assertion checked with the service
account's public key) and loyalty objects kept by id (PUT updates, 404 when absent; POST inserts)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from tests.workers.loopback_server import JsonHandler, LoopbackServer

API = "/walletobjects/v1"
TOKEN = "fake-google-access-token"


@dataclass
class FakeGoogleWallet:
    public_key: RSAPublicKey
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    assertions: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def make_handler(fake: FakeGoogleWallet, token_url: list[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def _read(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length", 0)))

        def _authorized(self) -> bool:
            return self.headers.get("Authorization", "") == f"Bearer {TOKEN}"

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            body = self._read()
            with fake.lock:
                fake.calls.append(("POST", path))
            if path == "/token":
                form = parse_qs(body.decode())
                try:
                    claims = jwt.decode(
                        form["assertion"][0], fake.public_key, algorithms=["RS256"], audience=token_url[0]
                    )
                except (KeyError, jwt.PyJWTError) as exc:
                    self._answer(400, {"error": "invalid_grant", "error_description": str(exc)})
                    return
                with fake.lock:
                    fake.assertions.append(claims)
                self._answer(200, {"access_token": TOKEN, "expires_in": 3600, "token_type": "Bearer"})
                return
            if path == f"{API}/loyaltyObject" and self._authorized():
                found = json.loads(body)
                with fake.lock:
                    if found["id"] in fake.objects:
                        self._answer(409, {"error": {"code": 409, "message": "already exists"}})
                        return
                    fake.objects[found["id"]] = found
                self._answer(200, found)
                return
            self._answer(401 if not self._authorized() else 404, {"error": {"code": 404}})

        def do_PUT(self) -> None:
            path = urlsplit(self.path).path
            body = self._read()
            with fake.lock:
                fake.calls.append(("PUT", path))
            prefix = f"{API}/loyaltyObject/"
            if not self._authorized() or not path.startswith(prefix):
                self._answer(401, {"error": {"code": 401}})
                return
            object_id = path.removeprefix(prefix)
            with fake.lock:
                if object_id not in fake.objects:
                    self._answer(404, {"error": {"code": 404, "message": "not found"}})
                    return
                fake.objects[object_id] = json.loads(body)
            self._answer(200, json.loads(body))

    return Handler


class FakeGoogleWalletServer(LoopbackServer):
    def __init__(self, public_key: RSAPublicKey) -> None:
        self.fake = FakeGoogleWallet(public_key)
        self._token_url: list[str] = [""]
        super().__init__(make_handler(self.fake, self._token_url))
        self._token_url[0] = f"{self.url}/token"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def api_url(self) -> str:
        return f"{self.url}{API}"

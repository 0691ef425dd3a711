"""Google Wallet's REST API for loyalty objects: the card's object updated when what it shows changes.

An access token from the service account (OAuth 2.0 JWT bearer grant, RS256, scope
``wallet_object.issuer``), then ``PUT {LOYALTY_GOOGLE_WALLET_API_URL}/loyaltyObject/{id}`` with the whole
object; a 404 (the member never opened the save link to the end) inserts it with ``POST .../loyaltyObject``.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

import httpx
import jwt
from sqlalchemy.engine import Engine

from loyalty.core.clock import real_utcnow, utcnow
from loyalty.core.db import unit_of_work
from loyalty.core.settings import Settings
from loyalty.wallet.google import SCOPE, objects_to_update, record_states, service_account

log = logging.getLogger(__name__)


class GoogleWalletClient:
    def __init__(self, settings: Settings) -> None:
        self.account = service_account(settings)
        self.token_url = self.account.token_uri or settings.google_wallet_token_url
        self.base = settings.google_wallet_api_url.rstrip("/")
        self.http = httpx.Client(timeout=settings.google_wallet_timeout)
        self._token: str | None = None
        self._token_until = 0.0

    def _authorize(self) -> dict[str, str]:
        if self._token is None or time.monotonic() >= self._token_until:
            issued = real_utcnow()  # Google checks it against its own clock
            assertion = jwt.encode(
                {
                    "iss": self.account.client_email,
                    "scope": SCOPE,
                    "aud": self.token_url,
                    "iat": int(issued.timestamp()),
                    "exp": int((issued + timedelta(hours=1)).timestamp()),
                },
                self.account.private_key,
                algorithm="RS256",
            )
            response = self.http.post(
                self.token_url,
                data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
            )
            response.raise_for_status()
            data = response.json()
            self._token = str(data["access_token"])
            self._token_until = time.monotonic() + max(60, int(data.get("expires_in", 3600)) - 60)
        return {"Authorization": f"Bearer {self._token}"}

    def update(self, found: dict[str, Any]) -> int:
        """PUT the object (POST it when Google does not have it yet); the final HTTP status."""
        response = self.http.put(
            f"{self.base}/loyaltyObject/{found['id']}", json=found, headers=self._authorize()
        )
        if response.status_code == 404:
            response = self.http.post(f"{self.base}/loyaltyObject", json=found, headers=self._authorize())
        if response.status_code >= 300:
            log.warning("Google Wallet answered %s: %s", response.status_code, response.text[:200])
        return response.status_code


def update_objects(
    engine: Engine, client: GoogleWalletClient, settings: Settings, pass_ids: list[int]
) -> dict[str, int]:
    with unit_of_work(engine) as session:
        objects = objects_to_update(session, pass_ids, settings, utcnow())
    states: dict[int, str] = {}
    failed = 0
    for pass_id, found in objects:
        try:
            status = client.update(found)
        except httpx.HTTPError as exc:
            log.warning("Google Wallet unreachable: %s", exc)
            failed += 1
            continue
        if status < 300:
            states[pass_id] = str(found["state"])
        else:
            failed += 1
    if states:
        with unit_of_work(engine) as session:
            record_states(session, states)
            session.commit()
    return {"google_updated": len(states), "google_failed": failed}

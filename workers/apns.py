"""APNs for wallet passes: an empty push to each device registered for a changed pass, over HTTP/2.

``POST {LOYALTY_APNS_URL}/3/device/{pushToken}`` with ``apns-topic: <pass type id>`` and the body ``{}``:
the device then asks the pass web service what changed. Authentication: a token key (``LOYALTY_APNS_KEY``,
ES256, ``kid`` the key id, ``iss`` the team id; one token reused for 50 minutes, as Apple asks) or, without
one, the pass type certificate as the TLS client certificate. APNs answers 410 for a token no longer
valid: that device's registrations are dropped.
"""

from __future__ import annotations

import json
import logging
import ssl
import time

import httpx
import jwt
from sqlalchemy.engine import Engine

from loyalty.core.clock import real_utcnow
from loyalty.core.db import unit_of_work
from loyalty.core.settings import Settings
from loyalty.wallet.passes import forget_push_tokens, push_tokens

log = logging.getLogger(__name__)
TOKEN_SECONDS = 50 * 60  # APNs refuses a token older than an hour and one renewed more than every 20 minutes


class ApnsClient:
    def __init__(self, settings: Settings) -> None:
        self.base = settings.apns_url.rstrip("/")
        self.topic = settings.apple_pass_type_id
        context = ssl.create_default_context(
            cafile=str(settings.apns_ca_file) if settings.apns_ca_file else None
        )
        self.key = settings.apns_key.read_text() if settings.apns_key else None
        if self.key is None and settings.apple_pass_certificate and settings.apple_pass_key:
            context.load_cert_chain(
                settings.apple_pass_certificate,
                settings.apple_pass_key,
                settings.apple_pass_key_password or None,
            )
        self.key_id = settings.apns_key_id
        self.team_id = settings.apns_team_id or settings.apple_pass_team_id
        self.http = httpx.Client(http2=True, verify=context, timeout=settings.apns_timeout)
        self._token: str | None = None
        self._token_until = 0.0

    def _bearer(self) -> dict[str, str]:
        if self.key is None:
            return {}
        if self._token is None or time.monotonic() >= self._token_until:
            issued = int(real_utcnow().timestamp())  # Apple checks it against its own clock: the real time
            self._token = jwt.encode(
                {"iss": self.team_id, "iat": issued},
                self.key,
                algorithm="ES256",
                headers={"kid": self.key_id},
            )
            self._token_until = time.monotonic() + TOKEN_SECONDS
        return {"authorization": f"bearer {self._token}"}

    def push(self, push_token: str) -> int:
        """One push; APNs's status (200 sent, 410 the token is gone, ...)."""
        response = self.http.post(
            f"{self.base}/3/device/{push_token}",
            content=json.dumps({}).encode(),
            headers={"apns-topic": self.topic, **self._bearer()},
        )
        if response.status_code not in (200, 410):
            log.warning("APNs answered %s for a pass push: %s", response.status_code, response.text[:200])
        return response.status_code


def push_passes(engine: Engine, client: ApnsClient, pass_ids: list[int]) -> dict[str, int]:
    """Push every device registered for the passes; forget the tokens APNs says are gone."""
    with unit_of_work(engine) as session:
        tokens = push_tokens(session, pass_ids)
    sent = gone = failed = 0
    stale: list[str] = []
    for token in tokens:
        try:
            status = client.push(token)
        except httpx.HTTPError as exc:
            log.warning("APNs unreachable for a pass push: %s", exc)
            failed += 1
            continue
        if status == 200:
            sent += 1
        elif status == 410:
            gone += 1
            stale.append(token)
        else:
            failed += 1
    if stale:
        with unit_of_work(engine) as session:
            forget_push_tokens(session, stale)
            session.commit()
    return {"sent": sent, "gone": gone, "failed": failed}

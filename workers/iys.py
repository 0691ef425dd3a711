"""İYS's own API, both ways, as units of work around loyalty.members.iys_sync.

Wire format (İYS's published API): ``POST /oauth2/token`` ``{"grant_type": "password", "username",
"password"}`` -> ``{"access_token", "expires_in"}``; then with ``Authorization: Bearer``:
``POST /sps/{iysCode}/brands/{brandCode}/consents`` with one consent ``{"type", "source", "recipient",
"recipientType", "status", "consentDate"}`` -> ``{"transactionId", "creationDate"}`` (errors: ``{"errors":
[{"code", "message"}]}``); ``GET /sps/{iysCode}/brands/{brandCode}/consents/changes?source=IYS&after=
&limit=`` -> ``{"after": cursor, "list": [consent, ...]}``: the changes made at İYS itself.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy.engine import Engine

from loyalty.core.db import unit_of_work
from loyalty.core.settings import Settings
from loyalty.members.iys_sync import apply_change, claim_uploads, record_upload, sync_row

log = logging.getLogger(__name__)
PULL_LIMIT = 500


class IysError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class IysClient:
    def __init__(self, settings: Settings) -> None:
        self.base = settings.iys_url.rstrip("/")
        self.brand_path = f"/sps/{settings.iys_code}/brands/{settings.iys_brand_code}"
        self.username, self.password = settings.iys_username, settings.iys_password
        self.timeout = settings.iys_timeout
        self.http = requests.Session()
        self._token: str | None = None
        self._token_until = 0.0

    def _authorize(self) -> str:
        if self._token is None or time.monotonic() >= self._token_until:
            response = self.http.post(
                f"{self.base}/oauth2/token",
                json={"grant_type": "password", "username": self.username, "password": self.password},
                timeout=self.timeout,
            )
            if response.status_code != 200:
                raise IysError(f"İYS token: HTTP {response.status_code} {response.text[:200]}")
            data = response.json()
            self._token = str(data["access_token"])
            self._token_until = time.monotonic() + max(60, int(data.get("expires_in", 3600)) - 60)
        return self._token

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {self._authorize()}"}
            try:
                response = self.http.request(
                    method,
                    f"{self.base}{self.brand_path}{path}",
                    headers=headers,
                    timeout=self.timeout,
                    **kwargs,
                )
            except requests.RequestException as exc:
                raise IysError(f"İYS: {exc}") from exc
            if response.status_code == 401 and attempt == 0:
                self._token = None  # expired early: one new token
                continue
            break
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code >= 400:
            text = json.dumps(data, ensure_ascii=False)[:400] if data else response.text[:400]
            permanent = 400 <= response.status_code < 500 and response.status_code not in (401, 408, 429)
            raise IysError(f"İYS HTTP {response.status_code}: {text}", permanent=permanent)
        return data if isinstance(data, dict) else {}

    def add_consent(self, record: dict[str, str]) -> dict[str, Any]:
        return self._call("POST", "/consents", json=record)

    def changes(self, after: str | None, limit: int = PULL_LIMIT) -> dict[str, Any]:
        params: dict[str, Any] = {"source": "IYS", "limit": limit}
        if after:
            params["after"] = after
        return self._call("GET", "/consents/changes", params=params)


def push(engine: Engine, client: IysClient, settings: Settings, now: datetime) -> dict[str, int]:
    """Upload the due ledger rows, each answer kept on its row."""
    with unit_of_work(engine) as session:
        uploads = claim_uploads(session, now, settings.timezone)
        session.commit()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    last_error: str | None = None
    for upload in uploads:
        ok, permanent = False, False
        try:
            answer = json.dumps(client.add_consent(upload.record), ensure_ascii=False)
            ok = True
            counts["sent"] += 1
        except IysError as exc:
            answer = last_error = str(exc)
            permanent = exc.permanent
            counts["failed" if permanent else "retry"] += 1
        with unit_of_work(engine) as session:
            record_upload(
                session,
                upload.event_id,
                answer=answer,
                now=now,
                ok=ok,
                permanent=permanent,
                max_attempts=settings.iys_max_attempts,
                retry_seconds=settings.iys_retry_seconds,
            )
            session.commit()
    with unit_of_work(engine) as session:
        row = sync_row(session)
        row.last_push_at = now
        if last_error:
            row.last_error, row.last_error_at = last_error[:500], now
        session.add(row)
        session.commit()
    return counts


def pull(engine: Engine, client: IysClient, settings: Settings, now: datetime) -> dict[str, int]:
    """Changes made at İYS since the stored cursor, page by page (each page and its cursor in one commit)."""
    counts: dict[str, int] = {}
    with unit_of_work(engine) as session:
        after = sync_row(session).pull_after
        session.commit()
    while True:
        try:
            page = client.changes(after)
        except IysError as exc:
            with unit_of_work(engine) as session:
                row = sync_row(session)
                row.last_error, row.last_error_at = str(exc)[:500], now
                session.add(row)
                session.commit()
            return counts
        changes = list(page.get("list") or [])
        with unit_of_work(engine) as session:
            for change in changes:
                result = apply_change(session, change, now, settings.timezone)
                counts[result] = counts.get(result, 0) + 1
            row = sync_row(session)
            after = str(page.get("after") or after or "") or None
            row.pull_after, row.last_pull_at = after, now
            session.add(row)
            session.commit()
        if len(changes) < PULL_LIMIT:
            return counts


def sync(engine: Engine, client: IysClient, settings: Settings, now: datetime) -> dict[str, Any]:
    """The minute's work: upload what is due; pull İYS's changes every ``iys_sync_minutes``."""
    done: dict[str, Any] = {"push": push(engine, client, settings, now)}
    with unit_of_work(engine) as session:
        last = sync_row(session).last_pull_at
        session.commit()
    if last is None or now - last >= timedelta(minutes=settings.iys_sync_minutes) - timedelta(seconds=5):
        done["pull"] = pull(engine, client, settings, now)
    return done

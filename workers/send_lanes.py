"""The provider calls of a claimed batch, fenced, on one sending thread: a *lane*.

Each call is fenced: it happens only while this worker's claim holds, under a lease it wrote that still
covers the call by the product's clock. A claim recovered after its lease and taken by another worker is
skipped, never sent twice.

The fence costs one transaction per *chunk* of calls, not two per call. One transaction records the
outcomes of the lane's previous chunk and renews the claims of its next one with one statement. A chunk
holds up to ``RECONCILING_CHUNK`` messages whose channel can ask its provider what it accepted
(``can_reconcile``). A message whose channel cannot is a chunk of its own, so its outcome is recorded
before the lane's next call.

The crash contract: a killed worker leaves at most one chunk per lane in ``sending`` without its outcome.
For a channel that can reconcile, the minute tick recovers that chunk after its lease, and the next
attempt asks the provider first, so it records what the provider had and sends nothing twice. For any
other channel, only the message in flight is left, as before chunking (at least once).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from loyalty.core.clock import utcnow
from loyalty.core.db import unit_of_work
from loyalty.core.settings import Settings
from loyalty.delivery.outcomes import record_failure
from loyalty.messaging.adapter import (
    ChannelAdapter,
    Outgoing,
    PermanentSendError,
    SendError,
    TransientSendError,
)
from loyalty.messaging.claims import record_sent_many, renew_claims
from workers.checks import call_seconds

log = logging.getLogger(__name__)

RECONCILING_CHUNK = 10  # calls per fence transaction on a channel that can ask its provider afterwards

ChannelFor = Callable[[str], ChannelAdapter]


@dataclass(frozen=True)
class Outcome:
    status: str  # skipped | sent | failed | retry
    provider_id: str | None = None
    error: SendError | None = None
    claim_token: str = ""  # the claim it was sent (or is to be retried) under


@dataclass(frozen=True)
class Done:
    """A call's outcome not yet recorded: sent (``found``: the provider already had it) or failed."""

    out: Outgoing
    outcome: Outcome
    found: bool


class Lane:
    """One sending thread's share of a batch, called in order, each not before its send slot."""

    def __init__(self, engine: Engine, channel_for: ChannelFor, settings: Settings, at: dict[int, float]):
        self.engine = engine
        self.channel_for = channel_for
        self.lease = timedelta(seconds=settings.message_lease_seconds)
        self.margin = timedelta(seconds=call_seconds(settings))  # the longest one call can take
        self.at = at

    def run(self, outs: list[Outgoing]) -> list[Outcome]:
        outcomes: dict[int, Outcome] = {}
        held: dict[int, datetime] = {}  # message id -> the lease this lane wrote for it
        unrecorded: list[Done] = []
        try:
            for i, out in enumerate(outs):
                wait = self.at.get(out.message_id, 0.0) - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                until = held.get(out.message_id)
                if until is None or utcnow() + self.margin >= until:
                    held = self._record_and_renew(unrecorded, self._chunk(outs, i))
                    unrecorded = []
                    if out.message_id not in held:
                        log.warning(
                            "message %s: claim taken over after its lease; not sent here", out.message_id
                        )
                        outcomes[out.message_id] = Outcome("skipped", claim_token=out.claim_token)
                        continue
                adapter = self.channel_for(out.channel)
                outcome, found = call_provider(adapter, out)
                outcome = Outcome(outcome.status, outcome.provider_id, outcome.error, out.claim_token)
                outcomes[out.message_id] = outcome
                if outcome.status in ("sent", "failed"):
                    unrecorded.append(Done(out, outcome, found))
                if not adapter.can_reconcile:  # nothing more is called before this outcome is recorded
                    held.clear()
        except Exception:
            self._record_and_renew(unrecorded, [])  # what went out is not lost with the error
            raise
        self._record_and_renew(unrecorded, [])
        return [outcomes[out.message_id] for out in outs]

    def _chunk(self, outs: list[Outgoing], start: int) -> list[Outgoing]:
        """The claims renewed together from ``outs[start]``: the next ones whose channel can reconcile
        (up to ``RECONCILING_CHUNK``), or that one message alone when its channel cannot."""
        chunk: list[Outgoing] = []
        for out in outs[start : start + RECONCILING_CHUNK]:
            if not self.channel_for(out.channel).can_reconcile:
                return chunk or [out]
            chunk.append(out)
        return chunk

    def _record_and_renew(self, done: list[Done], ahead: list[Outgoing]) -> dict[int, datetime]:
        """One transaction: the outcomes in ``done`` recorded, the claims of ``ahead`` renewed (those
        still held: ``{message_id: lease_until}``)."""
        if not done and not ahead:
            return {}
        with unit_of_work(self.engine) as session:
            now = utcnow()
            sent = {
                d.out.message_id: (
                    d.outcome.provider_id or "",
                    "found at the provider after an interrupted attempt" if d.found else "",
                )
                for d in done
                if d.outcome.status == "sent"
            }
            record_sent_many(session, sent, now)
            for d in done:
                if d.outcome.status == "failed" and d.outcome.error is not None:
                    record_failure(session, d.out.message_id, now, d.outcome.error, token=d.out.claim_token)
            held = renew_claims(session, {o.message_id: o.claim_token for o in ahead}, now, self.lease)
            session.commit()
        return held


def call_provider(adapter: ChannelAdapter, out: Outgoing) -> tuple[Outcome, bool]:
    """The provider call of one claimed message (asking first when an earlier attempt may have got
    through); returns the outcome and whether the provider already had it."""
    try:
        provider_id = (
            adapter.find_accepted(out) if out.check_provider_first and adapter.can_reconcile else None
        )
        if provider_id is not None:
            return Outcome("sent", provider_id), True
        return Outcome("sent", adapter.send(out)), False
    except PermanentSendError as exc:
        return Outcome("failed", error=exc), False
    except TransientSendError as exc:
        return Outcome("retry", error=exc), False
    except Exception as exc:  # an adapter bug: treat like an interrupted attempt
        log.exception("channel %s raised unexpectedly for message %s", out.channel, out.message_id)
        error = TransientSendError(repr(exc)[:400], code="error", uncertain=True)
        return Outcome("retry", error=error), False

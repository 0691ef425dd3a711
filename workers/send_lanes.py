"""The provider calls of a claimed batch, fenced, on one sending thread: a *lane*.

Each call is fenced: it happens only while this worker's claim holds, under a lease it wrote that still
covers the call by the product's clock. A claim recovered after its lease and taken by another worker is
skipped, never sent twice.

The batch's claim wrote each message's lease; a call goes while that lease covers it, with half the lease
to spare, by the product's clock, so most calls need no transaction before them. When a lease would not
cover its call (a slow provider, pacing, a stalled worker, a clock moved on), the claims from that message
on are renewed in one statement, only while they are still this worker's.

Outcomes are recorded a *chunk* at a time, in the transaction of the next renewal when there is one: up to
``RECONCILING_CHUNK`` calls on a channel that can ask its provider what it accepted (``can_reconcile``);
the outcome of a call on a channel that cannot is recorded before the lane's next call. On a channel that
can reconcile, a batch's lanes leave their last chunks to the batch (``workers.delivery``), which records
them in one transaction once every lane is done.

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
from sqlmodel import Session

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

# calls per fence transaction on a channel that can ask its provider afterwards: a batch's lane (50 over four
# lanes by default) records once; a crash leaves at most this many a lane to be looked up at the provider
RECONCILING_CHUNK = 25

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
    """One sending thread's share of a batch, called in order, each not before its send slot.

    ``held``: the leases the batch's claim wrote (``{message_id: lease_until}``). A call goes while its
    lease covers it by the product's clock; otherwise the claims from it on are renewed first (one
    statement), and a message whose claim another worker took over meanwhile is skipped."""

    def __init__(
        self,
        engine: Engine,
        channel_for: ChannelFor,
        settings: Settings,
        at: dict[int, float],
        held: dict[int, datetime],
    ):
        self.engine = engine
        self.channel_for = channel_for
        self.lease = timedelta(seconds=settings.message_lease_seconds)
        # renewed when less is left than the longest call plus half the lease: as with a renewal right
        # before each call, the clocks of two workers may disagree by minutes before a call could overlap
        # another worker's recovery
        self.margin = timedelta(seconds=call_seconds(settings)) + self.lease / 2
        self.at = at
        self.held = dict(held)
        self.left: list[Done] = []  # see ``run(record_last=False)``

    def run(self, outs: list[Outgoing], *, record_last: bool = True) -> list[Outcome]:
        """The calls of ``outs``, each outcome recorded. ``record_last=False``, on a channel that can
        reconcile: the last chunk's outcomes (at most one chunk, as a crash could leave anyway) are left
        in ``self.left`` for the caller to record with the other lanes' (``record_outcomes``): one
        transaction for a batch whose lanes each hold a chunk or less, instead of one a lane."""
        self.left = []
        outcomes: dict[int, Outcome] = {}
        unrecorded: list[Done] = []
        must_record = False  # the last call's channel cannot reconcile: record it before the next call
        try:
            for i, out in enumerate(outs):
                wait = self.at.get(out.message_id, 0.0) - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                until = self.held.get(out.message_id)
                renew = until is None or utcnow() + self.margin >= until
                if renew or must_record or len(unrecorded) >= RECONCILING_CHUNK:
                    ahead = outs[i : i + RECONCILING_CHUNK] if renew else []  # renewed together
                    self._record_and_renew(unrecorded, ahead)
                    unrecorded, must_record = [], False
                    if out.message_id not in self.held:
                        log.warning("message %s: claim taken over; not sent here", out.message_id)
                        outcomes[out.message_id] = Outcome("skipped", claim_token=out.claim_token)
                        continue
                adapter = self.channel_for(out.channel)
                outcome, found = call_provider(adapter, out)
                outcome = Outcome(outcome.status, outcome.provider_id, outcome.error, out.claim_token)
                outcomes[out.message_id] = outcome
                if outcome.status in ("sent", "failed"):
                    unrecorded.append(Done(out, outcome, found))
                    must_record = not adapter.can_reconcile
        except Exception:
            self._record_and_renew(unrecorded, [])  # what went out is not lost with the error
            raise
        if record_last or must_record:  # a channel that cannot reconcile records each call before moving on
            self._record_and_renew(unrecorded, [])
        else:
            self.left = unrecorded
        return [outcomes[out.message_id] for out in outs]

    def _record_and_renew(self, done: list[Done], ahead: list[Outgoing]) -> None:
        """One transaction: the outcomes in ``done`` recorded, the claims of ``ahead`` renewed (those
        no longer held leave ``held``)."""
        if not ahead:
            record_outcomes(self.engine, done)  # nothing when ``done`` is empty too
            return
        with unit_of_work(self.engine) as session:
            now = utcnow()
            _record(session, done, now)
            renewed = renew_claims(session, {o.message_id: o.claim_token for o in ahead}, now, self.lease)
            session.commit()
        for out in ahead:
            self.held.pop(out.message_id, None)
        self.held |= renewed


def record_outcomes(engine: Engine, done: list[Done]) -> None:
    """Outcomes (those lanes left to their caller, ``Lane.run(record_last=False)``, or a lane's own) in one
    transaction; sends alone on PostgreSQL in no transaction: ``record_sent_many`` writes them there in one
    statement, atomic by itself, so one round trip replaces BEGIN, the statement and COMMIT (an e-mail is
    recorded after every call)."""
    if not done:
        return
    if engine.dialect.name == "postgresql" and all(d.outcome.status == "sent" for d in done):
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")  # the same pool
    with unit_of_work(engine) as session:
        _record(session, done, utcnow())
        session.commit()


def _record(session: Session, done: list[Done], now: datetime) -> None:
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

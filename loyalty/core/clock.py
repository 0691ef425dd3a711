"""The one clock: every read of the current date and time in the product goes through ``utcnow()``.

Three layers, innermost first:

- a *simulation* (``simulate(at)``): a clock that stands still at ``at`` until moved (``advance``/``set``),
  seen only by the code running in that context (a ``ContextVar``): the forecast and the tests play days
  this way without touching the process's clock used by other requests;
- the process's *start instant* (``start_at``): in development and test ``LOYALTY_NOW`` starts the whole
  application (API, worker, beat) at that instant, moving on at real speed (the settings refuse it in
  production);
- the real time.

Durations (timeouts, rate limits, benchmarks) use ``time.monotonic()``, never this clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_offset = timedelta(0)  # LOYALTY_NOW minus the real instant it was set at (0: the real time)


@dataclass
class SimulatedClock:
    """A clock that stands still until moved: ``now`` is what ``utcnow()`` answers inside ``simulate``."""

    now: datetime

    def set(self, at: datetime) -> None:
        self.now = _aware(at)

    def advance(self, by: timedelta) -> None:
        self.now = self.now + by


_simulated: ContextVar[SimulatedClock | None] = ContextVar("loyalty_simulated_clock", default=None)
_simulated_everywhere: SimulatedClock | None = None  # a whole-process simulation (the year's test)


def real_utcnow() -> datetime:
    """The machine's time, whatever the clock says: only for anchoring ``LOYALTY_NOW`` across processes."""
    return datetime.now(UTC)


def utcnow() -> datetime:
    """The product's current instant (aware, UTC)."""
    simulated = _simulated.get() or _simulated_everywhere
    if simulated is not None:
        return simulated.now
    return datetime.now(UTC) + _offset


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime: the clock needs an aware instant (e.g. 2027-02-01T21:30:00Z)")
    return at.astimezone(UTC)


def start_at(at: datetime | None, since: datetime | None = None) -> None:
    """Let this process's clock read ``at`` at the real instant ``since`` (default: now) and move on at real
    speed; ``None`` goes back to the real time. Processes started together pass the same ``since`` so
    their clocks agree to the millisecond."""
    global _offset
    if at is None:
        _offset = timedelta(0)
        return
    _offset = _aware(at) - _aware(since or real_utcnow())


def offset() -> timedelta:
    """How far this process's clock is from the real time (0 without ``LOYALTY_NOW``)."""
    return _offset


@contextmanager
def simulate(at: datetime, *, everywhere: bool = False) -> Iterator[SimulatedClock]:
    """Inside the block the clock stands at ``at`` until moved: only in this context (a forecast beside
    live requests), or ``everywhere`` in the process (threads too: a test playing the worker's days)."""
    global _simulated_everywhere
    clock = SimulatedClock(_aware(at))
    if everywhere:
        previous, _simulated_everywhere = _simulated_everywhere, clock
        try:
            yield clock
        finally:
            _simulated_everywhere = previous
        return
    token = _simulated.set(clock)
    try:
        yield clock
    finally:
        _simulated.reset(token)

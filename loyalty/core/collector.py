"""The cyclic garbage collector in a long-lived process and during a bulk job.

A process's start-up leaves hundreds of thousands of objects alive for its whole life (the imported
modules, the ORM's registries, compiled templates). Every full pass of the collector walks them all again,
and a send batch or a request allocates enough to set passes off: ``freeze_start_up`` puts them out of
the collector's reach once start-up is done (the worker's pool processes, the API server).

A campaign run for a million members allocates tens of millions of short-lived tuples (audience rows,
coupon and message rows) and keeps none of them past its batch. Left as it is, the collector passes over
every object alive in the process each time enough of them survive a young pass: 30 full passes and 5 s of
a 1M-member run (about 5% of it), for nothing (``bulk_collection``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 50_000  # allocations between young passes during a bulk job (Python's default: 700)


def freeze_start_up() -> None:
    """Free what is garbage now, then freeze everything alive: start-up is done, and what it made lives
    as long as the process. Objects made later are collected as usual."""
    gc.collect()
    gc.freeze()


@contextmanager
def bulk_collection() -> Iterator[None]:
    """Freeze what is alive before the job (the collector no longer walks it) and make young passes rarer,
    so the job's own short-lived rows die before a pass ever sees them; all restored afterwards (cycles
    the job made are found at the next pass), but in a process frozen at start-up, where what was alive
    before the job stays frozen with it. A worker process runs one task at a time: not reentrant."""
    thresholds = gc.get_threshold()
    started_frozen = gc.get_freeze_count() > 0  # freeze_start_up ran: what was frozen stays so
    gc.collect()  # what is garbage now is freed, not frozen
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if not started_frozen:
            gc.unfreeze()

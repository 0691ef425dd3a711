"""The collector in a long-lived process and during a bulk job (a campaign run): start-up frozen where the
product starts its processes; during a bulk job what was alive before is frozen, young passes are rarer,
and everything is as it was afterwards, an error included; garbage made during the job is still freed."""

from __future__ import annotations

import gc
import weakref

import pytest

import api.main
import workers.app
from loyalty.core.collector import YOUNG_THRESHOLD, bulk_collection, freeze_start_up


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a  # only the cyclic collector frees these
    return weakref.ref(a)


def test_a_bulk_job_freezes_what_was_alive_and_restores_the_collector() -> None:
    before = gc.get_threshold()
    alive = _Node()
    with bulk_collection():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
        assert not any(o is alive for o in gc.get_objects())  # frozen: no pass walks it
        made = _cycle()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    assert any(o is alive for o in gc.get_objects())
    gc.collect()
    assert made() is None  # a cycle made during the job is freed at the next pass


def test_garbage_from_before_the_job_is_freed_not_frozen() -> None:
    before = _cycle()
    with bulk_collection():
        assert before() is None


def test_the_collector_is_restored_after_an_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), bulk_collection():
        raise RuntimeError("the run failed")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_process_frozen_at_start_up_stays_frozen_after_a_bulk_job() -> None:
    """The worker's pool process froze its start-up objects (``freeze_start_up``); a campaign run in it
    must not hand them back to the collector's passes."""
    start_up = _Node()
    garbage = _cycle()
    try:
        freeze_start_up()
        assert garbage() is None  # freed first, not frozen
        assert not any(o is start_up for o in gc.get_objects())
        with bulk_collection():
            made = _cycle()
        assert gc.get_freeze_count() > 0
        assert not any(o is start_up for o in gc.get_objects())  # still out of the passes' reach
        gc.collect()
        assert made() is None
    finally:
        gc.unfreeze()  # the test process itself is not a worker


def test_the_worker_pool_process_and_the_api_server_freeze_their_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where the product calls ``freeze_start_up``: a Celery pool process once forked
    (``worker_process_init``) and the server's app factory (``loyalty serve`` / ``run``)."""
    monkeypatch.setattr(workers.app, "_engines", {})  # the test process's engines stay as they are
    monkeypatch.setattr(api.main, "install_publisher", lambda: None)
    monkeypatch.setattr(api.main, "create_app", lambda: "the app")
    for start in (workers.app._fresh_connections, api.main.app_factory):
        assert gc.get_freeze_count() == 0
        try:
            start()
            assert gc.get_freeze_count() > 0, start
        finally:
            gc.unfreeze()  # the test process itself is not a worker

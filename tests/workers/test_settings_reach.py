"""Settings reach every process (issue 22, point 2): a shop renamed on /admin is the name the next task of an
already running worker uses; a value set in the environment still wins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from loyalty.accounts.shop import ShopSetup, save_shop_settings
from loyalty.core.settings import get_settings, with_stored_shop
from workers import tasks


@pytest.fixture
def worker_env(db_url: str, committing_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("LOYALTY_ENV", "test")
    monkeypatch.setenv("LOYALTY_DATABASE_URL", db_url)
    monkeypatch.setenv("LOYALTY_SECRET_KEY", "test-secret-key-not-for-production-0123456789")
    monkeypatch.delenv("LOYALTY_SHOP_NAME", raising=False)
    get_settings.cache_clear()
    yield committing_engine
    get_settings.cache_clear()


def _save(engine: Engine, **values: object) -> None:
    with Session(engine) as session:
        save_shop_settings(session, ShopSetup(**values))  # type: ignore[arg-type]
        session.commit()


def test_a_renamed_shop_reaches_the_running_worker(worker_env: Engine) -> None:
    _save(worker_env, shop_name="Köşe Kahvecisi", quiet_hours_start=22)
    assert tasks._settings().shop_name == "Köşe Kahvecisi"  # the worker has read its settings once
    cached = get_settings()

    _save(worker_env, shop_name="Gül Çiçekçilik", quiet_hours_start=20)  # saved on /admin meanwhile
    assert get_settings() is cached  # no restart, no cache cleared
    fresh = tasks._settings()
    assert fresh.shop_name == "Gül Çiçekçilik"
    assert fresh.quiet_hours_start == 20
    assert with_stored_shop(fresh).shop_name == "Gül Çiçekçilik"  # merging again is stable


def test_the_environment_still_wins(worker_env: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOYALTY_SHOP_NAME", "Ortamdaki Ad")
    get_settings.cache_clear()
    _save(worker_env, shop_name="Kayıtlı Ad")
    assert tasks._settings().shop_name == "Ortamdaki Ad"

"""Links from the address the shop is reached at (issue 22, point 1): development derives it from the host
and port `loyalty serve` / `loyalty run` answer at; production refuses to start without it; a configured
address that is not where the server answers is said at start-up (and on /admin: tests/pages)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from cli.serve import own_address
from loyalty.core.settings import Settings, get_settings
from loyalty.core.tokens import member_page_url
from tests.cli_support import cli_environment


@pytest.fixture
def dev_env(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    for key, value in cli_environment(str(tmp_path)).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("LOYALTY_PUBLIC_BASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_development_links_point_where_the_server_answers(
    dev_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOYALTY_PUBLIC_BASE_URL", "")  # restored after the test (own_address sets it)
    monkeypatch.delenv("LOYALTY_PUBLIC_BASE_URL")
    assert own_address("127.0.0.1", 8201) == "http://127.0.0.1:8201"
    settings = get_settings()
    assert settings.public_base_url == "http://127.0.0.1:8201"
    link = member_page_url(settings, 7, issued=datetime(2026, 12, 6, tzinfo=UTC))
    assert link.startswith("http://127.0.0.1:8201/m/")
    assert capsys.readouterr().err == ""


def test_all_interfaces_warns_that_only_this_machine_reaches_the_links(
    dev_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOYALTY_PUBLIC_BASE_URL", "")
    monkeypatch.delenv("LOYALTY_PUBLIC_BASE_URL")
    assert own_address("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert "LOYALTY_PUBLIC_BASE_URL" in capsys.readouterr().err


def test_a_configured_address_elsewhere_is_said_at_start(
    dev_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOYALTY_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
    get_settings.cache_clear()
    assert own_address("127.0.0.1", 8201) == "http://127.0.0.1:8000"
    err = capsys.readouterr().err
    assert "http://127.0.0.1:8000" in err and "http://127.0.0.1:8201" in err
    monkeypatch.setenv("LOYALTY_PUBLIC_BASE_URL", "http://127.0.0.1:8201/")
    get_settings.cache_clear()
    own_address("127.0.0.1", 8201)
    assert capsys.readouterr().err == ""  # the same address: nothing to say


def test_production_needs_the_public_address() -> None:
    with pytest.raises(ValidationError, match="LOYALTY_PUBLIC_BASE_URL is not set"):
        Settings(env="production", secret_key="s" * 40)
    assert Settings(env="production", secret_key="s" * 40, public_base_url="https://x.example").public_base_url

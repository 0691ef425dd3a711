"""Running the ``loyalty`` command in tests: a temporary SQLite set-up (the ``cli_env`` fixture in
tests/conftest.py) and helpers to invoke it."""

from __future__ import annotations

import sqlalchemy as sa
from typer.testing import CliRunner, Result

from cli import app
from loyalty.core.db import get_engine

runner = CliRunner()


def cli_environment(tmp: str) -> dict[str, str]:
    """LOYALTY_* pointing at files under ``tmp`` (a database that does not exist yet), shop in Istanbul."""
    return {
        "LOYALTY_DATABASE_URL": f"sqlite:///{tmp}/var/cli.sqlite",
        "LOYALTY_BROKER_URL": f"sqla+sqlite:///{tmp}/broker.sqlite",
        "LOYALTY_OUTBOX_DIR": f"{tmp}/outbox",
        "LOYALTY_ENV": "development",
        "LOYALTY_TIMEZONE": "Europe/Istanbul",
        "COLUMNS": "200",  # rich wraps at the terminal width
    }


def run(*args: str, input: str | None = None) -> Result:
    return runner.invoke(app, list(args), input=input)


def invoke(*args: str, input: str | None = None) -> str:
    """Run (``input``: standard input) and require success; the output."""
    result = run(*args, input=input)
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.output


def engine_for(env: dict[str, str]) -> sa.Engine:
    return get_engine(env["LOYALTY_DATABASE_URL"])


def flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())

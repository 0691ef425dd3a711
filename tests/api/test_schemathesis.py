"""A bounded schemathesis run over every operation of the OpenAPI document: no answer is a 5xx.

Signed in as admin (every role check passes, so the generated input reaches the routes); each example runs
inside the test's rolled-back transaction. Bounded to a few examples per operation to stay well under a
minute per database; a longer run is ``SCHEMATHESIS_EXAMPLES=200 pytest tests/api/test_schemathesis.py``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from sqlmodel import Session

from api.main import create_app
from loyalty.core.settings import Settings
from tests.builders import bearer, make_user

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "6"))


@pytest.fixture
def admin_headers(session: Session, settings: Settings) -> dict[str, str]:
    return bearer(settings, make_user(session, role="admin"))


# the document only: each test calls its own app (``app`` fixture: its database, its rolled-back session)
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(Settings(env="test", database_url="sqlite://", secret_key="s" * 40))
)


# the forecast plays up to 400 simulated days per call (its own tests: tests/workers/test_forecast.py,
# tests/api/test_forecast_api.py); eight generated calls of it would take minutes
@schema.exclude(path="/api/v1/forecast").parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases on every run: a failure here is reproducible, never flaky
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_server_error(case: Any, app: FastAPI, admin_headers: dict[str, str]) -> None:
    case.call_and_validate(app=app, headers=admin_headers, checks=[not_a_server_error])

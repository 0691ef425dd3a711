"""The local provider servers as fixtures, for any test (a pytest plugin, registered in tests/conftest.py):
Twilio's Messages API, the SMTP server, NetGSM's REST v2 and İYS's API, each started for the test and
stopped after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.workers.iys_fake import FakeIysServer
from tests.workers.netgsm_fake import FakeNetgsmServer
from tests.workers.smtp_fake import SmtpServer
from tests.workers.twilio_fake import FakeTwilioServer


@pytest.fixture
def twilio() -> Iterator[FakeTwilioServer]:
    with FakeTwilioServer() as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def netgsm() -> Iterator[FakeNetgsmServer]:
    with FakeNetgsmServer() as server:
        yield server


@pytest.fixture
def iys() -> Iterator[FakeIysServer]:
    with FakeIysServer() as server:
        yield server

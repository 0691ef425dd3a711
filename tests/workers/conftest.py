"""Fixtures the channel tests share: a local server that speaks Twilio's Messages API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.workers.twilio_fake import FakeTwilioServer


@pytest.fixture
def twilio() -> Iterator[FakeTwilioServer]:
    with FakeTwilioServer() as server:
        yield server

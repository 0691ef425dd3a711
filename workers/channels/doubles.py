"""Test doubles for the channel interface: a recording channel with scripted failures."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from loyalty.messaging.adapter import Outgoing


class RecordingChannel:
    """Records every accepted message; ``failures`` are raised, in order, by the next ``send`` calls."""

    can_reconcile = True

    def __init__(self, name: str = "sms", failures: Iterable[Exception] = ()) -> None:
        self.name = name
        self.sent: list[Outgoing] = []
        self.failures: deque[Exception] = deque(failures)
        self.lookups = 0

    def send(self, out: Outgoing) -> str:
        if self.failures:
            raise self.failures.popleft()
        self.sent.append(out)
        return f"double-{out.message_id}-{len(self.sent)}"

    def find_accepted(self, out: Outgoing) -> str | None:
        self.lookups += 1
        for index, previous in enumerate(self.sent, 1):
            if previous.message_id == out.message_id:
                return f"double-{out.message_id}-{index}"
        return None

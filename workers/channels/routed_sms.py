"""SMS by destination: each number to the backend its route names (loyalty.messaging.routes), one
adapter per backend, made on first use. Messages to one gateway that take a common request go together
(``send_many``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from loyalty.core.settings import Settings
from loyalty.messaging.adapter import ChannelAdapter, Outgoing
from loyalty.messaging.routes import backend_for, parse_routes


class RoutedSmsChannel:
    name = "sms"
    can_reconcile = True  # asks the backend that carried it (None from one that cannot know)

    def __init__(self, settings: Settings, make: Callable[[str], ChannelAdapter]) -> None:
        self.routes = parse_routes(settings.sms_routes)
        self.default = settings.sms_backend
        self._make = make
        self.adapters: dict[str, ChannelAdapter] = {}

    def adapter_for(self, number: str) -> ChannelAdapter:
        backend = backend_for(number, self.routes, self.default)
        if backend not in self.adapters:
            self.adapters[backend] = self._make(backend)
        return self.adapters[backend]

    def send(self, out: Outgoing) -> str:
        return self.adapter_for(out.to).send(out)

    def find_accepted(self, out: Outgoing) -> str | None:
        adapter = self.adapter_for(out.to)
        return adapter.find_accepted(out) if adapter.can_reconcile else None

    def gateway_groups(self, outs: Sequence[Outgoing]) -> tuple[list[list[Outgoing]], list[Outgoing]]:
        """(groups that can each go in one gateway request, the rest one by one)."""
        groups: dict[tuple[int, tuple[str, ...]], list[Outgoing]] = defaultdict(list)
        rest: list[Outgoing] = []
        for out in outs:
            adapter = self.adapter_for(out.to)
            group_key = getattr(adapter, "group_key", None)  # a gateway taking many numbers a request
            if group_key is not None and not out.check_provider_first:
                groups[(id(adapter), group_key(out))].append(out)
            else:
                rest.append(out)
        return list(groups.values()), rest

    def send_many(self, outs: Sequence[Outgoing]) -> list[str]:
        """One gateway request for a group from ``gateway_groups``."""
        sent: list[str] = self.adapter_for(outs[0].to).send_many(outs)  # type: ignore[attr-defined]
        return sent

"""The e-mail policy our messages are built with: the standard one, with repeated headers parsed and
folded once per process.

``email.policy.default`` makes a new header class for every header it stores (``HeaderRegistry`` builds
it with ``type()`` on each look-up), parses every value from scratch and refolds each one when the message
is written. Most of a coupon e-mail's headers are the same in every message (the shop as sender,
``MIME-Version``, the parts' ``Content-Type`` and ``Content-Transfer-Encoding``, ``List-Unsubscribe-Post``):
here they are parsed and folded once. The bytes written are the standard policy's
(tests/workers/test_mime_policy.py); on a coupon e-mail, building and writing it take half the time.
"""

from __future__ import annotations

from email.headerregistry import BaseHeader, HeaderRegistry
from email.policy import EmailPolicy
from typing import Any

# headers whose values repeat from message to message (a multipart Content-Type names its own random
# boundary: never repeated, never kept)
REPEATED = frozenset(
    {
        "from",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
        "list-unsubscribe-post",
    }
)
KEPT = 256  # parsed and folded values kept per process (a full cache starts over)


class _Registry(HeaderRegistry):
    """The standard registry, its header classes made once per header name."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> Any:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


def _repeats(name: str, value: object) -> bool:
    return type(value) is str and name.lower() in REPEATED and "boundary=" not in value


class RepeatedHeaders(EmailPolicy):
    """``EmailPolicy`` that keeps the parsed and the folded form of the ``REPEATED`` headers."""

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        if not _repeats(name, value):
            return super().header_store_parse(name, value)
        key = (self.header_factory, name, value)
        parsed = _parsed.get(key)
        return parsed if parsed is not None else _keep(_parsed, key, super().header_store_parse(name, value))

    def fold_binary(self, name: str, value: Any) -> bytes:
        if not (isinstance(value, BaseHeader) and _repeats(name, str(value))):
            return super().fold_binary(name, value)
        # kept for the very header object ``header_store_parse`` kept (another object with the same text
        # may have been parsed from other source, e.g. encoded words); besides the header, folding depends
        # on the line ending, the length and whether UTF-8 may go as is
        key = (id(value), self.linesep, self.max_line_length, self.utf8)
        kept = _folded.get(key)
        if kept is not None and kept[0] is value:
            return kept[1]
        folded = super().fold_binary(name, value)
        _keep(_folded, key, (value, folded))
        return folded


_parsed: dict[tuple[Any, str, str], tuple[str, Any]] = {}
# each fold is held with its header, so the id in its key cannot pass to another object meanwhile
_folded: dict[tuple[int, str, int | None, bool], tuple[Any, bytes]] = {}


def _keep(cache: dict[Any, Any], key: Any, value: Any) -> Any:
    if len(cache) >= KEPT:  # only REPEATED names come here: a full cache means unusual values; start over
        cache.clear()
    cache[key] = value
    return value


POLICY = RepeatedHeaders(header_factory=_Registry(), max_line_length=998)

"""Request bodies over a limit are refused with 413 before anything reads them whole (an ASGI middleware,
outside the routes: before authentication and before JSON or form parsing).

About 1 MiB for everything (JSON bodies are small), the import's own cap for the CSV upload. A declared
``Content-Length`` over the limit is refused without reading a byte; one within it passes untouched (the
server frames the body by that length and delivers no more: nothing to count, no copy held back); a body
without one (chunked) is read only up to the limit. The answer names the limit; docs/operations.md sets
the same limits in the proxy.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

JSON_LIMIT = 1024 * 1024
IMPORT_LIMIT = 64 * 1024 * 1024  # the member import's file cap (api.routes.data_rights.MAX_IMPORT_BYTES)
MULTIPART_OVERHEAD = 64 * 1024  # the form's boundaries and its small fields around the file
UPLOADS = {"/api/v1/members/import": IMPORT_LIMIT}


def limit_for(path: str) -> tuple[int, int]:
    """The limit a path's body is held to (named in the answer) and the bytes allowed (a multipart
    upload's form around its file on top)."""
    if path in UPLOADS:
        return UPLOADS[path], UPLOADS[path] + MULTIPART_OVERHEAD
    return JSON_LIMIT, JSON_LIMIT


def _shown(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit // 1024} KiB"


async def refuse(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "detail": {
                "message": f"the request body is larger than {_shown(limit)} / istek gövdesi "
                f"{_shown(limit)} sınırını aşıyor",
                "limit_bytes": limit,
            }
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit, allowed = limit_for(scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > allowed
            except ValueError:
                too_big = False  # the server refuses a malformed length itself
            if too_big:
                await refuse(send, limit)
                return
            if declared.isdigit():  # within the limit, and the server delivers no more than that
                await self.app(scope, receive, send)
                return
        body: list[Message] = []
        size = 0
        while True:  # no usable Content-Length: read up to the limit
            message = await receive()
            body.append(message)
            size += len(message.get("body", b""))
            if size > allowed:
                await refuse(send, limit)
                return
            if message["type"] != "http.request" or not message.get("more_body", False):
                break

        async def replay() -> Message:
            return body.pop(0) if body else await receive()

        await self.app(scope, replay, send)

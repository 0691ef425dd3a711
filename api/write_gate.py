"""On SQLite, one writing request at a time per API process (an ASGI middleware).

SQLite has one write lock; writers take it with BEGIN IMMEDIATE (loyalty.core.db) and queue on the busy
timeout. Inside one process that queue must not sit in the thread pool: the request holding the lock
started its transaction in one thread-pool call (the signed-in user is read by a dependency) and needs a
second one for the route, while every other thread is blocked waiting for that same lock -- a deadlock
until the busy timeout ends it with 500s (50 tills redeeming one coupon did exactly that). Requests that
may write (any method but GET, HEAD, OPTIONS) therefore wait here, on the event loop, holding no thread;
their body is read first so a slow client never holds the gate. Reads are never gated: they read a WAL
snapshot. Other processes (the worker, more API processes) still meet on SQLite's lock; none of them
needs this process's threads, so they simply wait their turn.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# requests that take the write lock in short transactions of their own, one route call in one thread
# (the member import commits each chunk): gating them would make every till wait for the whole file
UNGATED = frozenset({"/api/v1/members/import"})


class SQLiteWriteGate:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._lock: asyncio.Lock | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in READING_METHODS or scope["path"] in UNGATED:
            await self.app(scope, receive, send)
            return
        body: list[Message] = []
        while True:
            message = await receive()
            body.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break

        async def replay() -> Message:
            return body.pop(0) if body else await receive()

        if self._lock is None:
            self._lock = asyncio.Lock()  # created on the server's own event loop
        async with self._lock:
            await self.app(scope, replay, send)

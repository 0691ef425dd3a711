"""A local APNs: an HTTP/2 server over TLS on loopback (hypercorn, with a certificate from a test-made CA)
that records each push and answers 200, or 410 for the tokens it is told are gone. Nothing leaves the
machine."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import trustme
from hypercorn.asyncio import serve
from hypercorn.config import Config


@dataclass
class Push:
    path: str
    headers: dict[str, str]
    body: bytes
    http_version: str


@dataclass
class FakeApnsState:
    pushes: list[Push] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)


class FakeApnsServer:
    def __init__(self, folder: Path) -> None:
        self.fake = FakeApnsState()
        ca = trustme.CA()
        self.ca_file = folder / "apns-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        issued = ca.issue_cert("127.0.0.1")
        self.cert_file, self.key_file = folder / "apns-cert.pem", folder / "apns-key.pem"
        issued.cert_chain_pems[0].write_to_path(str(self.cert_file))
        issued.private_key_pem.write_to_path(str(self.key_file))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._task: asyncio.Task[None] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    async def _app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.fake.pushes.append(Push(scope["path"], headers, body, scope["http_version"]))
        token = scope["path"].rsplit("/", 1)[-1]
        status, answer = (410, b'{"reason":"Unregistered"}') if token in self.fake.gone else (200, b"")
        await send({"type": "http.response.start", "status": status, "headers": [(b"apns-id", b"fake")]})
        await send({"type": "http.response.body", "body": answer})

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        config = Config()
        config.bind = [f"127.0.0.1:{self.port}"]
        config.certfile, config.keyfile = str(self.cert_file), str(self.key_file)
        config.loglevel = "WARNING"
        forever = asyncio.Event()  # a shutdown trigger of its own: no signal handlers outside the main thread
        self._task = self._loop.create_task(
            serve(self._app, config, shutdown_trigger=forever.wait)  # type: ignore[arg-type]
        )
        with contextlib.suppress(asyncio.CancelledError, RuntimeError):  # RuntimeError: stopped, see __exit__
            self._loop.run_until_complete(self._task)

    def __enter__(self) -> Self:
        self._thread.start()
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the fake APNs did not start") from None
                time.sleep(0.02)

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(timeout=0.5)
        if self._thread.is_alive():  # hypercorn drains open connections (a client's HTTP/2 one): stop anyway
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)

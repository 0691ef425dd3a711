from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from types import FrameType

import typer


def serve(host: str = "127.0.0.1", port: int = 8000, reload: bool = False) -> None:
    """Serve the API and the pages (OpenAPI docs at /docs)."""
    import uvicorn

    from cli.preflight import for_serve

    for_serve()  # the database reachable and migrated: or one line and exit 1
    own_address(host, port)
    uvicorn.run("api.main:app_factory", factory=True, host=host, port=port, reload=reload)


def run(
    host: str = "127.0.0.1",
    port: int = 8000,
    worker: bool = typer.Option(True, "--worker/--no-worker", help="start a worker with beat beside the API"),
) -> None:
    """Everything on one machine: migrate, seed the demo on an empty database (not in production), then the
    API and a worker with beat as child processes. SIGTERM or SIGINT (Ctrl-C) is passed on to both; it
    exits when they have, and stops the other when one of them ends."""
    from cli import db, demo
    from cli.preflight import for_worker
    from loyalty.core.settings import get_settings

    own_address(host, port)  # before the children start: the worker's links point where the API answers
    db.upgrade("head")
    if get_settings().env != "production":
        demo.demo(if_empty=True)
    if worker:
        for_worker(beat=True)
    commands = [_loyalty("serve", "--host", host, "--port", str(port))]
    if worker:
        commands.append(_loyalty("worker", "--beat"))
    raise typer.Exit(supervise(commands))


ANY_HOST = ("0.0.0.0", "::", "")


def own_address(host: str, port: int) -> str:
    """Where links in messages point. In development, unless LOYALTY_PUBLIC_BASE_URL is set, the address
    this server answers at (put into the environment, so the worker `run` starts uses it too). Says so on
    standard error when the configured address is not where this server answers (fine behind a proxy, a
    mistake otherwise). Returns the address in effect."""
    from loyalty.core.settings import get_settings

    served = f"http://{'127.0.0.1' if host in ANY_HOST else host}:{port}"
    settings = get_settings()
    if settings.env == "development" and "public_base_url" not in settings.model_fields_set:
        os.environ["LOYALTY_PUBLIC_BASE_URL"] = served
        get_settings.cache_clear()
        if host in ANY_HOST:
            typer.echo(
                f"warning: links in messages point to {served}, which only this machine reaches; set "
                "LOYALTY_PUBLIC_BASE_URL to the address members' phones reach",
                err=True,
            )
        return served
    configured = settings.public_base_url.rstrip("/")
    if configured != served:
        typer.echo(
            f"warning: links in messages point to {configured} (LOYALTY_PUBLIC_BASE_URL) but this server "
            f"answers at {served}: right behind a proxy that forwards there, otherwise members' links fail",
            err=True,
        )
    return configured


def _loyalty(*args: str) -> list[str]:
    return [sys.executable, "-c", "from cli import app; app()", *args]


STOP_GRACE = 30.0  # seconds a child may take to stop before it is killed


def supervise(commands: list[list[str]]) -> int:
    """Run ``commands`` as children until SIGTERM/SIGINT or until one of them ends; then stop the rest
    (SIGTERM: uvicorn and Celery both finish what they are doing) and wait for them.

    The children get their own process group: a Ctrl-C in the terminal reaches only this process, which
    passes it on once as SIGTERM (a second SIGINT would make Celery stop at once, mid-task). Returns 0
    after a requested stop that every child honoured; else the failing child's exit code (at least 1)."""
    children = [subprocess.Popen(command, start_new_session=True) for command in commands]
    requested: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        requested.append(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not requested and all(child.poll() is None for child in children):
            time.sleep(0.2)
        ended = [child for child in children if child.poll() is not None]
        for child in children:
            if child.poll() is None:
                child.terminate()
            else:
                _signal_group(child.pid, signal.SIGTERM)  # what it left behind (a worker's pool processes)
        deadline = time.monotonic() + STOP_GRACE
        for child in children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for child in children:
            _signal_group(child.pid, signal.SIGKILL)  # nothing of any child outlives this process
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not requested:  # a child ended on its own: that is a failure, whatever its code
        return max(1, ended[0].returncode)
    honoured = (0, -signal.SIGTERM)
    return 0 if all(child.returncode in honoured for child in children) else 1


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signum)


__all__ = ["own_address", "run", "serve", "supervise", "typer"]

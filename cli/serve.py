from __future__ import annotations

import subprocess
import sys

import typer


def serve(host: str = "127.0.0.1", port: int = 8000, reload: bool = False) -> None:
    """Serve the API and the pages (OpenAPI docs at /docs)."""
    import uvicorn

    uvicorn.run("api.main:app_factory", factory=True, host=host, port=port, reload=reload)


def run(
    host: str = "127.0.0.1",
    port: int = 8000,
    worker: bool = typer.Option(True, "--worker/--no-worker", help="start a worker with beat beside the API"),
) -> None:
    """Everything on one machine: migrate, seed the demo on an empty database (not in production), a worker
    with beat, serve."""
    from cli import db, demo
    from loyalty.core.settings import get_settings

    db.upgrade("head")
    if get_settings().env != "production":
        demo.demo(if_empty=True)
    process = _start_worker() if worker else None
    try:
        serve(host=host, port=port)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _start_worker() -> subprocess.Popen[bytes]:
    """``loyalty worker --beat`` as a child process (on the embedded broker by default: no server needed)."""
    return subprocess.Popen([sys.executable, "-c", "from cli import app; app()", "worker", "--beat"])


__all__ = ["run", "serve", "typer"]

from __future__ import annotations

import typer


def serve(host: str = "127.0.0.1", port: int = 8000, reload: bool = False) -> None:
    """Serve the API and the pages (OpenAPI docs at /docs)."""
    import uvicorn

    uvicorn.run("api.main:app_factory", factory=True, host=host, port=port, reload=reload)


def run(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Everything on one machine: migrate, seed the demo on an empty database, serve (worker: see README)."""
    from loyalty.cli import db, demo

    db.upgrade("head")
    demo.demo(if_empty=True)
    serve(host=host, port=port)


__all__ = ["run", "serve", "typer"]

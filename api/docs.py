"""/docs (Swagger UI) and /redoc from assets shipped in a Python package (fastapi-offline), never a CDN:
FastAPI's own pages load them from the internet and are blank without it. No inline script either (the
Content-Security-Policy forbids it): Swagger UI starts from /static/pages/swagger-init.js, ReDoc from
redoc-init.js (its theme), both with docs-a11y.css: axe-core finds no serious or critical violation."""

from __future__ import annotations

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"  # swagger-ui-bundle.js, swagger-ui.css, redoc
DOCS_PATHS = frozenset({"/docs", "/redoc"})
A11Y_CSS = '<link rel="stylesheet" href="/static/pages/docs-a11y.css">'  # axe-core clean: our colours


def _page(title: str, head: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" type="image/png" href="/static/docs/favicon.png">'
        f"{head}</head><body>{body}</body></html>"
    )


def install(app: FastAPI) -> None:
    """Serve the docs pages and their assets; create the app with ``docs_url=None, redoc_url=None``."""
    title = app.title
    app.mount("/static/docs", StaticFiles(directory=str(ASSETS)), name="docs_static")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _page(
            f"{title} — API",
            '<link rel="stylesheet" href="/static/docs/swagger-ui.css">' + A11Y_CSS,
            '<div id="swagger-ui"></div><script src="/static/docs/swagger-ui-bundle.js"></script>'
            '<script src="/static/pages/swagger-init.js"></script>',
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _page(
            f"{title} — API",
            A11Y_CSS,
            '<div id="redoc-container"></div>'
            '<script src="/static/docs/redoc.standalone.js"></script>'
            '<script src="/static/pages/redoc-init.js"></script>',
        )

"""The FastAPI application: routers under /api/v1, domain errors as {"detail": ...}."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api import docs, health, pages
from api.routes import (
    admin,
    audit,
    auth,
    campaigns,
    cards,
    coupons,
    data_rights,
    email_confirm,
    holidays,
    members,
    occasions,
    outbox,
    purchases,
    reports,
    segments,
    self_service,
    stores,
    unsubscribe,
    users,
    webhooks,
)
from api.security_headers import SecurityHeaders
from api.validation import validation_error
from api.write_gate import SQLiteWriteGate
from loyalty.core.db import get_engine
from loyalty.core.errors import DomainError
from loyalty.core.settings import Settings, merge_shop_settings, stored_shop_settings
from workers.app import install_publisher

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    base = settings or Settings()
    settings = merge_shop_settings(base, stored_shop_settings(base.database_url))  # the setup page's values
    # /docs and /redoc from packaged assets (api.docs), not FastAPI's CDN-loading pages
    app = FastAPI(title=f"{settings.shop_name} — loyalty", version="1.0", docs_url=None, redoc_url=None)
    app.state.base_settings = base
    app.state.settings = settings
    app.state.engine = get_engine(settings.database_url)

    app.add_exception_handler(RequestValidationError, validation_error)  # never a 500 on NaN / Infinity

    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail()}, status_code=exc.status_code)

    for module in (auth, members, purchases, cards, occasions, holidays, campaigns, coupons, webhooks):
        app.include_router(module.router, prefix=API_PREFIX)

    for module in (segments, reports):  # issue 13: saved segments, NPS and detractor follow-up
        app.include_router(module.router, prefix=API_PREFIX)

    app.include_router(unsubscribe.router)  # /u/{token}: the signed link in messages, at the root
    app.include_router(email_confirm.router)  # /e/{token}: a new e-mail address confirmed by its link

    app.include_router(outbox.router, prefix=API_PREFIX)  # GET /api/v1/outbox: the dev outbox listing
    app.include_router(self_service.router, prefix=API_PREFIX)  # /api/v1/self/{token}: the member's page
    for module in (data_rights, stores, users, audit, admin):  # issue 14: data rights and shop operations
        app.include_router(module.router, prefix=API_PREFIX)
    pages.install(app)  # web pages at the root (/, /counter, /marketing, /outbox, /m/{token}), /static/pages
    docs.install(app)
    app.include_router(health.router)  # /healthz, /readyz
    if settings.is_sqlite:
        app.add_middleware(SQLiteWriteGate)  # writers queue on the event loop, not in the thread pool
    app.add_middleware(SecurityHeaders, https=settings.public_base_url.startswith("https://"))
    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory api.main:app_factory``."""

    install_publisher()  # jobs buffered by a request reach the broker after its commit
    return create_app()

"""The FastAPI application: routers under /api/v1, domain errors as {"detail": ...}."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.types import ASGIApp

from api import docs, errors, health, outage, pages
from api.body_limit import BodyLimit
from api.routes import (
    admin,
    audit,
    auth,
    campaigns,
    cards,
    coupons,
    data_rights,
    email_confirm,
    first_admin,
    forecast,
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
    wallet,
    webhooks,
)
from api.security_headers import SecurityHeaders
from api.validation import validation_error
from api.write_gate import SQLiteWriteGate
from loyalty.cards import pdf as card_pdf
from loyalty.core.collector import freeze_start_up
from loyalty.core.db import API_THREADS, get_engine
from loyalty.core.settings import Settings, with_stored_shop
from workers import checks
from workers.app import install_publisher

API_PREFIX = "/api/v1"


class LoyaltyApp(FastAPI):
    """The security headers wrap the whole stack, Starlette's error middleware too: a 500 carries them."""

    def build_middleware_stack(self) -> ASGIApp:
        https = str(self.state.settings.public_base_url).startswith("https://")
        return SecurityHeaders(super().build_middleware_stack(), https=https)


@asynccontextmanager
async def starting(app: FastAPI) -> AsyncIterator[None]:
    """At start-up: the thread pool that runs sync routes and dependencies sized as the engine's pool is,
    the broker's transport loaded before the first /readyz times its check, and WeasyPrint loaded in the
    background (about a second) so that the first card PDF at the counter does not wait for it."""
    to_thread.current_default_thread_limiter().total_tokens = API_THREADS
    checks.load_broker_transport(app.state.settings.broker_url)
    threading.Thread(target=card_pdf.load, name="load-weasyprint", daemon=True).start()
    yield


def create_app(settings: Settings | None = None) -> FastAPI:
    base = settings or Settings()
    base.start_clock()  # LOYALTY_NOW (development and test): the API starts at that instant
    settings = with_stored_shop(base)  # the setup page's values
    # /docs and /redoc from packaged assets (api.docs), not FastAPI's CDN-loading pages
    app = LoyaltyApp(
        title=f"{settings.shop_name} — loyalty",
        version="1.0",
        docs_url=None,
        redoc_url=None,
        lifespan=starting,
    )
    app.state.base_settings = base
    app.state.settings = settings
    app.state.engine = get_engine(settings.database_url, statement_timeout_s=settings.api_statement_timeout)

    app.add_exception_handler(RequestValidationError, validation_error)  # never a 500 on NaN / Infinity
    outage.install(app)  # a lost database: JSON 503 with Retry-After

    errors.install(app)  # domain errors in the request's language, with their key

    for module in (auth, members, purchases, cards, occasions, holidays, campaigns, coupons, webhooks):
        app.include_router(module.router, prefix=API_PREFIX)

    for module in (segments, reports):  # issue 13: saved segments, NPS and detractor follow-up
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(forecast.router, prefix=API_PREFIX)  # issue 19: GET /api/v1/forecast

    app.include_router(unsubscribe.router)  # /u/{token}: the signed link in messages, at the root
    app.include_router(email_confirm.router)  # /e/{token}: a new e-mail address confirmed by its link

    app.include_router(outbox.router, prefix=API_PREFIX)  # GET /api/v1/outbox: the dev outbox listing
    app.include_router(self_service.router, prefix=API_PREFIX)  # /api/v1/self/{token}: the member's page
    for module in (data_rights, stores, users, audit, admin):  # issue 14: data rights and shop operations
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(first_admin.router, prefix=API_PREFIX)  # issue 22: the first admin, once
    app.include_router(wallet.pages)  # issue 23: /m/{key}/card.pkpass, beside the member page
    app.include_router(wallet.service, prefix=API_PREFIX)  # Apple's pass web service: /api/v1/wallet/v1/...
    pages.install(app)  # web pages at the root (/, /counter, /marketing, /outbox, /m/{token}), /static/pages
    docs.install(app)
    app.include_router(health.router)  # /healthz, /readyz
    if settings.is_sqlite:
        app.add_middleware(SQLiteWriteGate)  # writers queue on the event loop, not in the thread pool
    app.add_middleware(BodyLimit)  # 413 before the gate, authentication or parsing read a large body
    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory api.main:app_factory`` (``loyalty serve``, ``loyalty run``): the server
    process's app, built once; what its start-up left alive is then frozen out of the garbage
    collector's passes (``freeze_start_up``), which requests would otherwise set off over and over."""

    install_publisher()  # jobs buffered by a request reach the broker after its commit
    app = create_app()
    freeze_start_up()
    return app

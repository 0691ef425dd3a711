"""Security headers on every response, built with the ``secure`` package (its ASGI middleware).

Pages get a Content-Security-Policy without inline script or style (the pages load their scripts and styles
as files; data blocks like ``<script type="application/json">`` are not scripts), framing forbidden
(``frame-ancestors 'none'`` and X-Frame-Options), nosniff, no Referer sent anywhere (member links carry their
token in the URL), and HSTS when the public address is https. /docs and /redoc differ only in allowing the
inline styles and the blob: worker that Swagger UI and ReDoc use (still no inline script).
"""

from __future__ import annotations

from secure import (
    ContentSecurityPolicy,
    CrossOriginOpenerPolicy,
    ReferrerPolicy,
    Secure,
    StrictTransportSecurity,
    XContentTypeOptions,
    XFrameOptions,
)
from secure.middleware import SecureASGIMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from api.docs import DOCS_PATHS

HSTS_SECONDS = 365 * 24 * 3600


def _csp(docs: bool) -> ContentSecurityPolicy:
    csp = (
        ContentSecurityPolicy()
        .default_src("'self'")
        .script_src("'self'")
        .img_src("'self'", "data:", "blob:")  # charts fetched with the bearer token, shown from a blob
        .connect_src("'self'")
        .object_src("'none'")
        .base_uri("'none'")
        .form_action("'self'")
        .frame_ancestors("'none'")
    )
    return (
        csp.style_src("'self'", "'unsafe-inline'").worker_src("'self'", "blob:")
        if docs
        else csp.style_src("'self'")
    )


def policy(*, https: bool, docs: bool = False) -> Secure:
    return Secure(
        csp=_csp(docs),
        hsts=StrictTransportSecurity().max_age(HSTS_SECONDS) if https else None,
        xfo=XFrameOptions().deny(),
        xcto=XContentTypeOptions().nosniff(),
        referrer=ReferrerPolicy().no_referrer(),
        coop=CrossOriginOpenerPolicy().same_origin(),
    )


class SecurityHeaders:
    """An ASGI middleware: the pages' policy everywhere, the docs' policy on /docs and /redoc."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.pages = SecureASGIMiddleware(app, secure=policy(https=https))
        self.docs = SecureASGIMiddleware(app, secure=policy(https=https, docs=True))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = self.docs if scope["type"] == "http" and scope["path"] in DOCS_PATHS else self.pages
        await target(scope, receive, send)  # type: ignore[arg-type]

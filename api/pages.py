"""Server-rendered pages (Jinja2 shells) for counter staff, marketing and the dev outbox.

The pages hold no data of their own: their scripts call the JSON API under /api/v1 with the bearer token
kept in sessionStorage after signing in on ``/``. The server only picks the language (``?lang=``, cookie,
Accept-Language, shop default) and renders the UI text; the API enforces every role.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import available_timezones

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from loyalty.core.clock import utcnow
from loyalty.core.i18n import COOKIE, SUPPORTED, catalog, choose_language, gettext, normalize
from loyalty.core.languages import LANGUAGES
from loyalty.core.settings import TEMPLATES_DIR, Settings
from loyalty.core.zones import local_date
from loyalty.occasions.vocabulary import KIND_NAMES, RELATIONS

PAGES_DIR = TEMPLATES_DIR / "pages"
STATIC_DIR = PAGES_DIR / "static"
API_PREFIX = "/api/v1"

templates = Jinja2Templates(directory=str(PAGES_DIR))
router = APIRouter(include_in_schema=False)

# which roles each page is for (admin may open every page); the API checks the same roles on every call
PAGE_ROLES: dict[str, tuple[str, ...]] = {
    "index": (),
    "counter": ("staff", "admin"),
    "marketing": ("marketing", "admin"),
    "outbox": ("marketing", "admin"),
    "member": (),
    "unsubscribe": (),
    "email_confirm": (),
    "admin": ("admin",),
}
MARKETING_RELATIONS = ("self", "daughter", "son", "spouse", "mother", "father", "friend")
NAV = (("counter", "/counter"), ("marketing", "/marketing"), ("outbox", "/outbox"), ("admin", "/admin"))


def request_language(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return choose_language(
        request.query_params.get("lang"),
        request.cookies.get(COOKIE),
        request.headers.get("accept-language"),
        settings.locale,
    )


def render(request: Request, page: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    lang = request_language(request)

    def t(key: str, **values: object) -> str:
        return gettext(key, lang, **values)

    response = templates.TemplateResponse(
        request,
        f"{page}.html",
        {
            "page": page,
            "lang": lang,
            "languages": SUPPORTED,
            "t": t,
            "strings": catalog(lang),
            "roles": PAGE_ROLES[page],
            "nav": [(key, href, PAGE_ROLES[key]) for key, href in NAV],
            "shop_name": settings.shop_name,
            "timezone": settings.timezone,
            "currency": settings.currency,
            "api_prefix": API_PREFIX,
            **context,
        },
        status_code=status_code,
    )
    response.headers["Vary"] = "Accept-Language, Cookie"  # the language comes from these
    chosen = normalize(request.query_params.get("lang"))
    if chosen:
        response.set_cookie(COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax")
    return response


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    return render(request, "index")


@router.get("/counter", response_class=HTMLResponse)
def counter(request: Request) -> HTMLResponse:
    # the feedback question is asked in the member's language, whatever the page's
    questions = {code: gettext("feedback.question", code) for code in SUPPORTED}
    settings: Settings = request.app.state.settings
    index = 1 if request_language(request) == "en" else 0  # occasions told at the counter: the same lists
    kinds = {key: names[index] for key, names in KIND_NAMES.items()}
    relations = {key: names[index] for key, names in RELATIONS.items()}
    return render(
        request,
        "counter",
        feedback_questions=questions,
        large_amount=str(settings.large_amount),
        kinds=kinds,
        relations=relations,
    )


@router.get("/marketing", response_class=HTMLResponse)
def marketing(request: Request) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    today = local_date(utcnow(), settings.timezone)
    return render(
        request,
        "marketing",
        year=today.year,
        kinds=list(KIND_NAMES),
        relations=MARKETING_RELATIONS,
        nps_from=(today.replace(day=1) - timedelta(days=335)).replace(day=1).isoformat(),
        nps_to=today.isoformat(),
    )


@router.get("/outbox", response_class=HTMLResponse)
def outbox(request: Request) -> HTMLResponse:
    return render(request, "outbox")  # the folder comes from the API: a server path is no one's business


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request) -> HTMLResponse:
    """Shop settings (the first-run setup), users, stores, import, KVKK requests, İYS export, audit log."""
    return render(request, "admin", zones=sorted(available_timezones()))


@router.get("/m/{token}", response_class=HTMLResponse)
def member_page(request: Request, token: str) -> HTMLResponse:
    """The member's own page (the signed link is the credential); its script calls /api/v1/self/{token}."""
    lang = request_language(request)
    index = LANGUAGES.index(lang)  # the vocabulary's names are (Turkish, English)
    kinds = {key: names[index] for key, names in KIND_NAMES.items()}
    relations = {key: names[index] for key, names in RELATIONS.items()}
    settings: Settings = request.app.state.settings
    response = render(
        request,
        "member",
        token=token,
        kinds=kinds,
        relations=relations,
        apple_wallet=settings.apple_pass_configured,  # the card's "Add to Apple Wallet" link
        google_wallet=settings.google_wallet_configured,  # and its "Save to Google Wallet" link
    )
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL: never pass it on
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: FastAPI) -> None:
    """Mount the pages at the root and their static files under /static/pages."""
    app.include_router(router)
    app.mount("/static/pages", StaticFiles(directory=str(STATIC_DIR)), name="pages_static")

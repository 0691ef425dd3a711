"""Server-rendered pages (Jinja2 shells) for counter staff, marketing and the dev outbox.

The pages hold no data of their own: their scripts call the JSON API under /api/v1 with the bearer token
kept in sessionStorage after signing in on ``/``. The server only picks the language (``?lang=``, cookie,
Accept-Language, shop default) and renders the UI text; the API enforces every role.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from loyalty import i18n, occasions
from loyalty.settings import TEMPLATES_DIR, Settings

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
}
NAV = (("counter", "/counter"), ("marketing", "/marketing"), ("outbox", "/outbox"))


def request_language(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return i18n.choose_language(
        request.query_params.get("lang"),
        request.cookies.get(i18n.COOKIE),
        request.headers.get("accept-language"),
        settings.locale,
    )


def render(request: Request, page: str, **context: Any) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    lang = request_language(request)

    def t(key: str, **values: object) -> str:
        return i18n.gettext(key, lang, **values)

    response = templates.TemplateResponse(
        request,
        f"{page}.html",
        {
            "page": page,
            "lang": lang,
            "languages": i18n.SUPPORTED,
            "t": t,
            "strings": i18n.catalog(lang),
            "roles": PAGE_ROLES[page],
            "nav": NAV,
            "shop_name": settings.shop_name,
            "timezone": settings.timezone,
            "api_prefix": API_PREFIX,
            **context,
        },
    )
    response.headers["Vary"] = "Accept-Language, Cookie"  # the language comes from these
    chosen = i18n.normalize(request.query_params.get("lang"))
    if chosen:
        response.set_cookie(i18n.COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax")
    return response


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    return render(request, "index")


@router.get("/counter", response_class=HTMLResponse)
def counter(request: Request) -> HTMLResponse:
    return render(request, "counter")


@router.get("/marketing", response_class=HTMLResponse)
def marketing(request: Request) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    return render(request, "marketing", year=datetime.now(ZoneInfo(settings.timezone)).year)


@router.get("/outbox", response_class=HTMLResponse)
def outbox(request: Request) -> HTMLResponse:
    return render(request, "outbox")  # the folder comes from the API: a server path is no one's business


@router.get("/m/{token}", response_class=HTMLResponse)
def member_page(request: Request, token: str) -> HTMLResponse:
    """The member's own page (the signed link is the credential); its script calls /api/v1/self/{token}."""
    lang = request_language(request)
    index = 1 if lang == "en" else 0
    kinds = {key: names[index] for key, names in occasions.KIND_NAMES.items()}
    relations = {key: names[index] for key, names in occasions.RELATIONS.items()}
    response = render(request, "member", token=token, kinds=kinds, relations=relations)
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL: never pass it on
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: FastAPI) -> None:
    """Mount the pages at the root and their static files under /static/pages."""
    app.include_router(router)
    app.mount("/static/pages", StaticFiles(directory=str(STATIC_DIR)), name="pages_static")

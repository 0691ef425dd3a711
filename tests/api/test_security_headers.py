"""Security headers on every kind of response, HSTS only over https, and no server path for anonymous eyes."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.deps import get_session
from api.main import create_app
from loyalty.core.settings import Settings
from loyalty.core.tokens import unsubscribe_url
from loyalty.models.members import Channel
from tests.builders import make_member

PATHS = [
    ("GET", "/", 200),
    ("GET", "/counter", 200),
    ("GET", "/outbox", 200),
    ("GET", "/static/pages/app.js", 200),
    ("GET", "/api/v1/auth/me", 401),
    ("GET", "/api/v1/members/abc", 401),
    ("POST", "/api/v1/auth/token", 422),
    ("GET", "/no/such/page", 404),
    ("GET", "/openapi.json", 200),
    ("GET", "/docs", 200),
    ("GET", "/redoc", 200),
]


@pytest.mark.parametrize(("method", "path", "status"), PATHS)
def test_every_response_carries_the_security_headers(
    client: TestClient, method: str, path: str, status: int
) -> None:
    response = client.request(method, path)
    assert response.status_code == status, response.text
    headers = response.headers
    csp = {d.split()[0]: d.split()[1:] for d in headers["content-security-policy"].split("; ")}
    assert csp["frame-ancestors"] == ["'none'"] and csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no inline script, nothing from elsewhere
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    if path in ("/docs", "/redoc"):
        assert csp["style-src"] == ["'self'", "'unsafe-inline'"]  # Swagger UI and ReDoc style inline
    else:
        assert csp["style-src"] == ["'self'"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "strict-transport-security" not in headers  # the test app's public address is http


def test_hsts_only_when_the_public_address_is_https(settings: Settings, session: Session) -> None:
    app: FastAPI = create_app(settings.model_copy(update={"public_base_url": "https://shop.example.com"}))
    app.dependency_overrides[get_session] = lambda: session
    with TestClient(app) as client:
        for path in ("/", "/api/v1/auth/me"):
            assert client.get(path).headers["strict-transport-security"] == "max-age=31536000"


def test_the_pages_hold_no_inline_script_or_style(
    client: TestClient, session: Session, settings: Settings
) -> None:
    member = make_member(session, email="u@example.com", email_opt_in=True)
    unsubscribe = unsubscribe_url(settings, member.id or 0, Channel.email).removeprefix(
        settings.public_base_url
    )
    for path in ("/", "/counter", "/marketing", "/outbox", "/m/some-token", unsubscribe, "/docs", "/redoc"):
        html = client.get(path).text
        for tag in html.split("<script")[1:]:
            opening = tag.split(">", 1)[0]
            assert "src=" in opening or 'type="application/json"' in opening, (path, opening)
        assert "<style" not in html and " style=" not in html and " onclick=" not in html, path


def test_the_outbox_page_shows_no_server_path_to_an_anonymous_visitor(
    client: TestClient, settings: Settings, marketing: dict[str, str]
) -> None:
    folder = str(settings.outbox_dir)
    assert folder not in client.get("/outbox").text
    assert client.get("/api/v1/outbox").status_code == 401
    assert client.get("/api/v1/outbox", headers=marketing).json()["directory"] == folder  # signed in: yes


def test_docs_load_their_assets_from_this_server(client: TestClient) -> None:
    docs, redoc = client.get("/docs").text, client.get("/redoc").text
    assert "cdn" not in (docs + redoc).lower() and "https://" not in docs + redoc
    for asset in (
        "/static/docs/swagger-ui-bundle.js",
        "/static/docs/swagger-ui.css",
        "/static/pages/swagger-init.js",
    ):
        assert asset in docs
        response = client.get(asset)
        assert response.status_code == 200 and len(response.content) > 200, asset
    assert "/static/docs/redoc.standalone.js" in redoc
    assert client.get("/static/docs/redoc.standalone.js").status_code == 200

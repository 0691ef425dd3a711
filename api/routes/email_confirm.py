"""The confirmation link of a new e-mail address, ``/e/{token}`` (at the root, outside /api/v1).

GET shows the address and one button (mail scanners only ever GET, so GET alone changes nothing); POST
makes the address the member's, with e-mail consent only if they asked for it on their page. The page
speaks the visitor's language.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.deps import SessionDep, SettingsDep
from api.pages import render
from api.routing import api_router
from loyalty.core.tokens import read_email_confirm_token
from loyalty.members.email_change import confirm_email_change
from loyalty.members.registration import get_member

router = api_router(tags=["self-service"])


@router.get("/e/{token}", response_class=HTMLResponse)
def confirm_page(request: Request, token: str, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    confirmation = read_email_confirm_token(settings.secret_key, token)
    get_member(session, confirmation.member_id)  # an erased member's link names nobody
    return render(request, "email_confirm", address=confirmation.email, done=False)


@router.post("/e/{token}", response_class=HTMLResponse)
def confirm(request: Request, token: str, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    confirmation = read_email_confirm_token(settings.secret_key, token)
    confirm_email_change(session, confirmation)
    session.commit()
    return render(request, "email_confirm", address=confirmation.email, done=True)

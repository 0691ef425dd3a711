"""The signed one-click unsubscribe link ``/u/{token}`` (mounted at the root, outside /api/v1).

GET shows a confirmation page with one button (link scanners and previews only ever GET, so GET alone
must not unsubscribe); POST records the opt-out in the consent ledger. Mail clients that honour
List-Unsubscribe-Post (RFC 8058) POST ``List-Unsubscribe=One-Click`` straight to the same URL. The page
speaks the visitor's language (``?lang=``, cookie, Accept-Language, the shop's default).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.deps import SessionDep, SettingsDep
from api.pages import render
from api.routing import api_router
from loyalty.core.errors import NotFound
from loyalty.core.tokens import read_unsubscribe_token
from loyalty.members.consent import record_consent
from loyalty.models.members import Channel, Member

router = api_router(tags=["unsubscribe"])


def _member(session: SessionDep, settings: SettingsDep, token: str) -> tuple[Member, Channel]:
    member_id, channel = read_unsubscribe_token(settings.secret_key, token)
    member = session.get(Member, member_id)
    if member is None or member.erased_at is not None or channel not in set(Channel):
        raise NotFound("common.link_invalid")
    return member, Channel(channel)


@router.get("/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(
    request: Request, token: str, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    _, channel = _member(session, settings, token)
    return render(request, "unsubscribe", channel=channel.value, done=False)


@router.post("/u/{token}", response_class=HTMLResponse)
def unsubscribe(request: Request, token: str, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    member, channel = _member(session, settings, token)
    source = "email unsubscribe" if channel == Channel.email else "sms unsubscribe"
    record_consent(session, member, channel, False, source=source, actor="member")
    session.commit()
    return render(request, "unsubscribe", channel=channel.value, done=True)

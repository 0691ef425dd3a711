"""The signed one-click unsubscribe link ``/u/{token}`` (mounted at the root, outside /api/v1).

GET shows a confirmation page with one button (link scanners and previews only ever GET, so GET alone
must not unsubscribe); POST records the opt-out in the consent ledger. Mail clients that honour
List-Unsubscribe-Post (RFC 8058) POST ``List-Unsubscribe=One-Click`` straight to the same URL.
"""

from __future__ import annotations

from html import escape

from fastapi.responses import HTMLResponse

from api.deps import SessionDep, SettingsDep
from api.routing import api_router
from loyalty.errors import NotFound
from loyalty.links import read_unsubscribe_token
from loyalty.members import Channel, Member

router = api_router(tags=["unsubscribe"])

_CHANNEL_NAMES = {Channel.email: ("e-posta", "e-mail"), Channel.sms: ("SMS", "SMS")}


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="tr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        '<link rel="stylesheet" href="/static/pages/unsubscribe.css"></head>'  # no inline style (CSP)
        f"<body>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status_code)


def _member(session: SessionDep, settings: SettingsDep, token: str) -> tuple[Member, Channel]:
    member_id, channel = read_unsubscribe_token(settings.secret_key, token)
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("this link is not valid / bu bağlantı geçerli değil")
    return member, channel


@router.get("/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    _, channel = _member(session, settings, token)
    tr, en = _CHANNEL_NAMES[channel]
    return _page(
        "Abonelikten çık / Unsubscribe",
        f"<h1>{escape(settings.shop_name)}</h1>"
        f"<p>{escape(tr)} ile kampanya mesajı almak istemiyor musunuz?</p>"
        f"<p lang='en'>No more offers by {escape(en)}?</p>"
        f'<form method="post"><button type="submit">Abonelikten çık / Unsubscribe</button></form>',
    )


@router.post("/u/{token}", response_class=HTMLResponse)
def unsubscribe(token: str, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    from loyalty.consent import record_consent  # type: ignore[attr-defined,unused-ignore]

    member, channel = _member(session, settings, token)
    source = "email unsubscribe" if channel == Channel.email else "sms unsubscribe"
    record_consent(session, member, channel, False, source=source, actor="member")
    session.commit()
    tr, en = _CHANNEL_NAMES[channel]
    return _page(
        "Abonelikten çıktınız / Unsubscribed",
        f"<h1>{escape(settings.shop_name)}</h1>"
        f"<p>Artık {escape(tr)} ile kampanya mesajı almayacaksınız.</p>"
        f"<p lang='en'>You will no longer receive offers by {escape(en)}.</p>",
    )

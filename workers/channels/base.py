"""The e-mail builder SMTP and the outbox share (the adapter contract itself: loyalty.messaging.adapter)."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from loyalty.core.settings import Settings
from loyalty.messaging.adapter import Outgoing
from workers.channels.mime_policy import POLICY


def message_id_header(out: Outgoing, settings: Settings) -> str:
    """A stable Message-ID per message, so a resend after a crash can be recognised as the same e-mail."""
    domain = settings.email_from.rsplit("@", 1)[-1].strip(" >") or "loyalty.local"
    return f"<loyalty-message-{out.message_id}@{domain}>"


def sender(settings: Settings) -> Address:
    """The shop writes: its name as the display name, the address from LOYALTY_EMAIL_FROM (a display name
    given there is replaced by the shop's name)."""
    address = parseaddr(settings.email_from)[1] or "no-reply@example.com"
    return Address(display_name=settings.shop_name, addr_spec=address)


def build_email(
    out: Outgoing, settings: Settings, *, extra_headers: dict[str, str] | None = None
) -> EmailMessage:
    """multipart/alternative (text + HTML), the card PDF as an attachment, RFC 8058 one-click unsubscribe."""
    # POLICY folds at RFC 5322's 998-character line limit: a long unsubscribe URL must stay one plain
    # token, never an RFC 2047 encoded-word (which List-Unsubscribe does not allow and mail clients would
    # not follow)
    email = EmailMessage(policy=POLICY)
    email["From"] = str(sender(settings))  # text, the same in every message: parsed once (POLICY)
    email["To"] = out.to
    email["Subject"] = out.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id_header(out, settings) if out.message_id else make_msgid()
    if out.unsubscribe_url:
        email["List-Unsubscribe"] = f"<{out.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for key, value in (extra_headers or {}).items():
        email[key] = value
    email.set_content(out.text)
    if out.html:
        email.add_alternative(out.html, subtype="html")
    for attachment in out.attachments:
        maintype, subtype = attachment.content_type.split("/", 1)
        email.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return email

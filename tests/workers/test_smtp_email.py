"""E-mail through smtplib to a real SMTP server (aiosmtpd) on loopback: up, down, then up again."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from loyalty.core.db import unit_of_work
from loyalty.core.settings import Settings
from loyalty.messaging.adapter import Attachment, Outgoing, PermanentSendError, TransientSendError
from loyalty.messaging.queue import MessageRow, queue
from loyalty.models.messages import Category, Message, MessageState
from tests.builders import make_member
from tests.workers.smtp_fake import SmtpServer
from workers.channels.smtp_email import SmtpEmailChannel
from workers.delivery import deliver, schedule_retry


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return settings.model_copy(
        update={
            "email_backend": "smtp",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_timeout": 2.0,
            "email_from": "Köşe Kahvecisi <kahve@example.com>",
            "quiet_hours_start": 0,  # these tests run at the real time of day
            "quiet_hours_end": 0,
        }
    )


def _out(message_id: int = 5, to: str = "ayse@example.com") -> Outgoing:
    return Outgoing(
        message_id=message_id,
        channel="email",
        to=to,
        subject="Kartınız hazır",
        text="Merhaba Ayşe, kartınız ekte.",
        html="<p>Merhaba <strong>Ayşe</strong>, kartınız ekte.</p>",
        attachments=(Attachment("card-1234.pdf", "application/pdf", b"%PDF-1.7 test"),),
        unsubscribe_url="http://testserver/u/token",
    )


def test_multipart_with_attachment_and_one_click_unsubscribe(
    mail_settings: Settings, smtp: SmtpServer
) -> None:
    channel = SmtpEmailChannel(mail_settings)
    provider_id = channel.send(_out())
    channel.close()
    [email] = smtp.inbox.messages
    assert provider_id == "<loyalty-message-5@example.com>" == email["Message-ID"]
    assert email["Subject"] == "Kartınız hazır" and email["To"] == "ayse@example.com"
    assert email["List-Unsubscribe"] == "<http://testserver/u/token>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email.get_body(("plain",)).get_content().strip() == "Merhaba Ayşe, kartınız ekte."  # type: ignore[union-attr]
    assert "<strong>Ayşe</strong>" in email.get_body(("html",)).get_content()  # type: ignore[union-attr]
    [pdf] = list(email.iter_attachments())
    assert pdf.get_filename() == "card-1234.pdf" and pdf.get_content() == b"%PDF-1.7 test"


def test_server_down_is_transient_and_up_again_delivers(
    committing_engine: Engine, mail_settings: Settings, smtp: SmtpServer
) -> None:
    channel = SmtpEmailChannel(mail_settings)
    channel.send(_out(1))  # a pooled connection now exists
    smtp.stop()
    with pytest.raises(TransientSendError):
        channel.send(_out(2))
    with unit_of_work(committing_engine) as session:
        member = make_member(session, email="elif@example.com", email_opt_in=True)
        [message_id] = queue(
            session,
            [
                MessageRow(
                    member_id=member.id or 0,
                    requested_channel="email",
                    dedupe_key="coupon:smtp",
                    purpose="birthday_self",
                    category=Category.promotional,
                    context={"occasion_on": "2026-12-01"},
                )
            ],
        )
        session.commit()
    outcome = deliver(
        message_id, engine=committing_engine, settings=mail_settings, channel_for=lambda _: channel
    )
    assert outcome.status == "retry" and isinstance(outcome.error, TransientSendError)
    schedule_retry(committing_engine, message_id, outcome.error, 0)
    smtp.start()  # up again, on the same port
    outcome = deliver(
        message_id, engine=committing_engine, settings=mail_settings, channel_for=lambda _: channel
    )
    assert outcome.status == "sent"
    channel.send(_out(3))  # and the reconnected connection is reused
    channel.close()
    assert [m["To"] for m in smtp.inbox.messages] == [
        "ayse@example.com",
        "elif@example.com",
        "ayse@example.com",
    ]
    with unit_of_work(committing_engine) as session:
        message = session.get(Message, message_id)
        assert message is not None and message.state == MessageState.sent and message.attempts == 2


def test_4xx_is_retried_and_5xx_is_permanent(mail_settings: Settings, smtp: SmtpServer) -> None:
    smtp.inbox.reject = {
        "later@example.com": "451 4.7.1 try again later",
        "nobody@example.com": "550 5.1.1 no such user",
    }
    channel = SmtpEmailChannel(mail_settings)
    with pytest.raises(TransientSendError) as later:
        channel.send(_out(to="later@example.com"))
    assert later.value.code == "451"
    with pytest.raises(PermanentSendError) as nobody:
        channel.send(_out(to="nobody@example.com"))
    assert nobody.value.code == "550"
    channel.close()
    assert smtp.inbox.messages == []

"""The e-mail policy that parses and folds repeated headers once writes what the standard policy writes."""

import io
import random
from email import policy
from email.generator import BytesGenerator
from email.message import EmailMessage

import pytest

from loyalty.core.settings import Settings
from loyalty.messaging.adapter import Attachment, Outgoing
from workers.channels import base, mime_policy

STANDARD = policy.default.clone(max_line_length=998)  # what build_email used before POLICY


def _settings(shop_name: str, email_from: str = "kahve@kosekahvecisi.com.tr") -> Settings:
    return Settings(
        env="test",
        secret_key="test-secret-key-not-for-production-0123456789",
        shop_name=shop_name,
        email_from=email_from,
    )


def _written(email: EmailMessage) -> bytes:
    """As smtplib writes it (CRLF), with the multipart boundaries drawn from a fixed seed."""
    random.seed(7)
    out = io.BytesIO()
    BytesGenerator(out).flatten(email, linesep="\r\n")
    return out.getvalue()


OUTS = [
    Outgoing(message_id=1, channel="email", to="ayse@example.com", text="Merhaba", subject="Kartınız"),
    Outgoing(
        message_id=2,
        channel="email",
        to="işıl.öztürk@example.com.tr",
        subject="İşıl, Kurban Bayramı için size özel %15 indirim — son gün 31 Aralık 2026, gün sonuna kadar",
        text="Merhaba Işıl,\n\n" + "Kurban Bayramı yaklaşırken size özel bir hediyemiz var. " * 30,
        html="<!doctype html><html lang=tr><body>" + "<p>Kupon kodunuz: <b>ABCD-EFGH-JK</b></p>" * 40,
        unsubscribe_url="https://kahve.example/u/" + "eyJhbGciOiJIUzI1NiJ9." * 20,
        attachments=(Attachment("kart.pdf", "application/pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8),),
    ),
    Outgoing(
        message_id=0,
        channel="email",
        to="Ali Veli <ali@example.com>",
        subject="Your card",
        text="Hello\n.\nA line with a dot",
        html="<p>Hello</p>",
    ),
]


@pytest.mark.parametrize(
    "shop", ["Köşe Kahvecisi", 'Ali\'s "Café", Inc.', "Çiçekçi Gül; Kadıköy", "Plain Shop"]
)
@pytest.mark.parametrize("out", OUTS, ids=["short", "turkish-attachment", "english"])
def test_the_bytes_are_the_standard_policys(
    shop: str, out: Outgoing, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(shop)
    for _ in range(2):  # the second time from the kept headers
        ours = base.build_email(out, settings, extra_headers={"X-Loyalty-Message": "12"})
        with monkeypatch.context() as patch:
            patch.setattr(base, "POLICY", STANDARD)
            theirs = base.build_email(out, settings, extra_headers={"X-Loyalty-Message": "12"})
        theirs.replace_header("Date", ours["Date"])
        if not out.message_id:  # a Message-ID made up per message
            theirs.replace_header("Message-ID", ours["Message-ID"])
        assert _written(ours) == _written(theirs)
        assert ours.as_bytes() == theirs.as_bytes()  # the outbox writes it this way
    assert ours["From"].addresses[0].display_name == shop


def test_only_repeated_headers_are_kept() -> None:
    """A thousand members' e-mails keep a handful of headers (each multipart boundary, recipient,
    subject and date is its own), and the policy's header classes are made once."""
    settings = _settings("Köşe Kahvecisi")
    mime_policy._parsed.clear()
    mime_policy._folded.clear()
    for n in range(1000):
        out = Outgoing(
            message_id=n + 1,
            channel="email",
            to=f"uye{n}@example.com",
            subject=f"Üye {n}, Kurban Bayramı için size özel %15 indirim",
            text=f"Merhaba {n}",
            html=f"<p>Merhaba {n}</p>",
            unsubscribe_url=f"https://kahve.example/u/{n}",
        )
        _written(base.build_email(out, settings))
    # From, List-Unsubscribe-Post, MIME-Version, the Content-Type a part is made with and the one with its
    # charset (text and HTML), the multipart's before its boundary, the parts' Content-Transfer-Encoding
    assert 0 < len(mime_policy._parsed) <= 12
    assert 0 < len(mime_policy._folded) <= 12
    registry = mime_policy.POLICY.header_factory
    assert isinstance(registry, mime_policy._Registry)
    assert registry["Subject"] is registry["subject"] is registry["SUBJECT"]


def test_the_kept_headers_are_bounded() -> None:
    for n in range(mime_policy.KEPT * 3):
        EmailMessage(policy=mime_policy.POLICY)["Content-Disposition"] = f'attachment; filename="{n}.pdf"'
        assert len(mime_policy._parsed) <= mime_policy.KEPT


def test_a_kept_fold_serves_only_the_header_it_was_made_for() -> None:
    """Headers with the same text can fold differently (a comment, spacing): a header parsed from other
    source is folded as the standard policy folds it, never from what was kept for another."""
    ours = EmailMessage(policy=mime_policy.POLICY)
    ours["From"] = "Köşe Kahvecisi <kahve@example.com>"
    assert mime_policy.POLICY.fold_binary("From", ours["From"]).endswith(b"Kahvecisi <kahve@example.com>\n")
    for source in ("Köşe Kahvecisi <kahve@example.com> (yorum)", "Köşe  Kahvecisi <kahve@example.com>"):
        _name, other = mime_policy.POLICY.header_store_parse("From", source)
        assert str(other) == str(ours["From"])
        folded = mime_policy.POLICY.fold_binary("From", other)
        assert folded == STANDARD.fold_binary("From", other)
        assert folded != mime_policy.POLICY.fold_binary("From", ours["From"])

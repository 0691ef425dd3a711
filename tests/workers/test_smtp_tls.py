"""E-mail over STARTTLS and implicit SSL with SMTP AUTH, against aiosmtpd on loopback with a trustme CA.

The channel verifies the server certificate (chain and host name) against the system's trust store plus
``smtp_ca_file``; a certificate that does not verify, a refused login or a server that lacks STARTTLS/AUTH
is a configuration error: nothing is sent (never in the clear), and the message waits for a retry
(TransientSendError) instead of failing, so a fix of the settings loses no e-mail.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import pytest
import trustme

from loyalty.core.settings import Settings
from loyalty.messaging.adapter import TransientSendError
from tests.workers.smtp_fake import SmtpServer
from tests.workers.test_smtp_email import _out
from workers.channels.smtp_email import SmtpEmailChannel

USERNAME, PASSWORD = "kahve", "correct-horse-battery"
Security = Literal["starttls", "ssl"]
# SmtpServer(tls="ssl", auth=...) tells aiosmtpd not to require STARTTLS for AUTH (the connection is TLS
# from the first byte), which aiosmtpd warns about
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
Serve = Callable[..., SmtpServer]  # serve(tls, cert, auth=(USERNAME, PASSWORD)): a started server


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA(organization_name="Loyalty test CA")


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("smtp-ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def _server_context(cert: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context


@pytest.fixture
def serve() -> Iterator[Serve]:
    servers: list[SmtpServer] = []

    def start(
        tls: Security, cert: trustme.LeafCert, auth: tuple[str, str] | None = (USERNAME, PASSWORD)
    ) -> SmtpServer:
        server = SmtpServer(tls=tls, context=_server_context(cert), auth=auth)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def _settings(settings: Settings, port: int, ca_file: Path | None, **update: object) -> Settings:
    return settings.model_copy(
        update={
            "email_backend": "smtp",
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_timeout": 5.0,
            "smtp_ca_file": ca_file,
            "smtp_username": USERNAME,
            "smtp_password": PASSWORD,
            "email_from": "Köşe Kahvecisi <kahve@example.com>",
            **update,
        }
    )


def test_empty_ca_file_setting_means_the_system_trust_store() -> None:
    assert Settings(smtp_ca_file="").smtp_ca_file is None  # type: ignore[arg-type]


def test_starttls_with_auth_delivers_over_tls(
    settings: Settings, ca: trustme.CA, ca_file: Path, serve: Serve
) -> None:
    smtp = serve("starttls", ca.issue_cert("127.0.0.1", "localhost"))
    channel = SmtpEmailChannel(_settings(settings, smtp.port, ca_file, smtp_security="starttls"))
    provider_id = channel.send(_out(1))
    channel.send(_out(2, to="elif@example.com"))  # over the same authenticated connection
    channel.close()
    assert provider_id == "<loyalty-message-1@example.com>"
    assert [m["To"] for m in smtp.inbox.messages] == ["ayse@example.com", "elif@example.com"]
    first, second = smtp.inbox.received
    assert first == second
    assert first.starttls and first.login == USERNAME
    assert first.tls_version is not None and first.tls_version.startswith("TLSv1.")


def test_implicit_ssl_with_auth_delivers(
    settings: Settings, ca: trustme.CA, ca_file: Path, serve: Serve
) -> None:
    smtp = serve("ssl", ca.issue_cert("127.0.0.1", "localhost"))
    channel = SmtpEmailChannel(_settings(settings, smtp.port, ca_file, smtp_security="ssl"))
    channel.send(_out())
    channel.close()
    [email] = smtp.inbox.messages
    assert email["Subject"] == "Kartınız hazır"
    [received] = smtp.inbox.received
    assert received.tls_version is not None and received.tls_version.startswith("TLSv1.")
    assert not received.starttls  # TLS from the first byte, not upgraded
    assert received.login == USERNAME


@pytest.mark.parametrize("security", ["starttls", "ssl"])
@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("signed by another CA", "unable to get local issuer certificate"),
        ("no smtp_ca_file: the system trust store", "unable to get local issuer certificate"),
        ("issued for another host name", "mismatch"),
    ],
)
def test_a_certificate_that_does_not_verify_sends_nothing_and_waits_for_a_fix(
    settings: Settings,
    ca: trustme.CA,
    ca_file: Path,
    serve: Serve,
    security: Security,
    case: str,
    reason: str,
) -> None:
    if case == "signed by another CA":
        cert = trustme.CA(organization_name="Someone else").issue_cert("127.0.0.1", "localhost")
    elif case == "issued for another host name":
        cert = ca.issue_cert("mail.example.com")
    else:
        cert = ca.issue_cert("127.0.0.1", "localhost")
    smtp = serve(security, cert)
    trusted = None if case.startswith("no smtp_ca_file") else ca_file
    channel = SmtpEmailChannel(_settings(settings, smtp.port, trusted, smtp_security=security))
    with pytest.raises(TransientSendError) as refused:
        channel.send(_out())
    channel.close()
    assert refused.value.code == "tls_certificate"
    assert "not trusted" in str(refused.value) and reason in str(refused.value)
    assert isinstance(refused.value.__cause__, ssl.SSLCertVerificationError)
    assert smtp.inbox.messages == []


@pytest.mark.parametrize("security", ["starttls", "ssl"])
@pytest.mark.parametrize(("username", "password"), [(USERNAME, "wrong-password"), ("someone-else", PASSWORD)])
def test_wrong_credentials_535_send_nothing_and_wait_for_a_fix(
    settings: Settings,
    ca: trustme.CA,
    ca_file: Path,
    serve: Serve,
    security: Security,
    username: str,
    password: str,
) -> None:
    smtp = serve(security, ca.issue_cert("127.0.0.1"))
    channel = SmtpEmailChannel(
        _settings(
            settings,
            smtp.port,
            ca_file,
            smtp_security=security,
            smtp_username=username,
            smtp_password=password,
        )
    )
    with pytest.raises(TransientSendError) as refused:
        channel.send(_out())
    channel.close()
    assert refused.value.code == "535"
    assert smtp.inbox.messages == []


def test_no_login_on_a_server_requiring_auth_waits_for_a_fix(
    settings: Settings, ca: trustme.CA, ca_file: Path, serve: Serve
) -> None:
    smtp = serve("starttls", ca.issue_cert("127.0.0.1"))
    channel = SmtpEmailChannel(
        _settings(settings, smtp.port, ca_file, smtp_security="starttls", smtp_username="", smtp_password="")
    )
    with pytest.raises(TransientSendError) as refused:
        channel.send(_out())
    channel.close()
    assert refused.value.code == "530"  # 5.7.0 Authentication required
    assert smtp.inbox.messages == []


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("", "530"),  # MAIL FROM refused: "Must issue a STARTTLS command first"
        (USERNAME, "smtp"),  # AUTH is not offered before TLS: smtplib's SMTPNotSupportedError
    ],
)
def test_plain_against_a_server_requiring_starttls_fails_and_sends_nothing(
    settings: Settings, ca: trustme.CA, ca_file: Path, serve: Serve, username: str, code: str
) -> None:
    smtp = serve("starttls", ca.issue_cert("127.0.0.1"), auth=None if not username else (USERNAME, PASSWORD))
    channel = SmtpEmailChannel(
        _settings(settings, smtp.port, ca_file, smtp_security="none", smtp_username=username)
    )
    with pytest.raises(TransientSendError) as refused:
        channel.send(_out())
    channel.close()
    assert refused.value.code == code
    assert smtp.inbox.messages == []

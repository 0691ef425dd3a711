"""A real SMTP server (aiosmtpd) on loopback that keeps what it receives and can be stopped and restarted.

Plain by default; ``tls="starttls"`` (STARTTLS required before MAIL) or ``tls="ssl"`` (implicit TLS) with a
server ``ssl.SSLContext``, and ``auth=(username, password)`` to require SMTP AUTH (only over TLS).
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class Received:
    """How a message came in: the TLS version of the connection (None: plain), whether TLS came from
    STARTTLS (aiosmtpd's ``session.ssl``), and the authenticated login (None: no AUTH)."""

    tls_version: str | None
    starttls: bool
    login: str | None


class Inbox:
    """An aiosmtpd handler that keeps what it receives; ``reject`` maps an address to an SMTP reply."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.received: list[Received] = []  # one per message, in the same order
        self.reject: dict[str, str] = {}

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.reject:
            return self.reject[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        ssl_object = server.transport.get_extra_info("ssl_object")
        login = session.login_data
        self.received.append(
            Received(
                tls_version=ssl_object.version() if ssl_object is not None else None,
                starttls=session.ssl is not None,
                login=login.decode() if isinstance(login, bytes) else login,
            )
        )
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpServer:
    def __init__(
        self,
        *,
        tls: Literal["none", "starttls", "ssl"] = "none",
        context: ssl.SSLContext | None = None,
        auth: tuple[str, str] | None = None,
    ) -> None:
        if (tls != "none") != (context is not None):
            raise ValueError("a server SSLContext goes with tls='starttls' or tls='ssl', and only with them")
        self.inbox = Inbox()
        self.port = _free_port()
        self.tls = tls
        self.context = context
        self.auth = auth
        self.controller: Controller | None = None

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            self.auth is not None
            and isinstance(auth_data, LoginPassword)
            and (auth_data.login, auth_data.password) == (self.auth[0].encode(), self.auth[1].encode())
        )
        # handled=False: aiosmtpd answers a failure with "535 5.7.8 Authentication credentials invalid"
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def start(self) -> None:
        kwargs: dict[str, Any] = {}
        if self.tls == "starttls":
            kwargs.update(tls_context=self.context, require_starttls=True)
        elif self.tls == "ssl":
            # the whole connection is TLS; Controller's ready check connects through it too
            kwargs.update(ssl_context=self.context)
        if self.auth is not None:
            kwargs.update(
                authenticator=self._authenticate,
                auth_required=True,
                # aiosmtpd only counts STARTTLS as TLS: with implicit TLS the connection is already encrypted
                auth_require_tls=self.tls != "ssl",
            )
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, server_hostname="localhost", **kwargs
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

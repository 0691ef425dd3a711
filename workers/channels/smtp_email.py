"""E-mail through smtplib: plain, STARTTLS or SSL from settings; one connection reused per worker process.

4xx replies, refused or dropped connections and timeouts are transient (retried); 5xx are permanent. A
configuration error is retried too, with an error in the log, so that no message is lost while someone
fixes the settings: a server certificate that does not verify against the trust store (plus
``smtp_ca_file``) or does not match ``smtp_host``, a login refused (530, 534, 535, 538), a server lacking
STARTTLS or AUTH when they are asked for. After ``LOYALTY_SEND_MAX_RETRIES`` the message fails as usual.
SMTP has no way to ask "did you already take this message?", so after a crash the e-mail is sent again
(at-least-once) with the same Message-ID.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import time

from loyalty.core.settings import Settings
from loyalty.messaging.adapter import Outgoing, PermanentSendError, TransientSendError
from workers.channels.base import build_email

log = logging.getLogger(__name__)
AUTH_CODES = {530, 534, 535, 538}  # authentication (or TLS before it) required, refused or too weak
IDLE_CHECK_SECONDS = 10.0  # a connection idle this long is checked (NOOP) before reuse; a busy one is not


class SmtpEmailChannel:
    name = "email"
    can_reconcile = False

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._used_at = 0.0

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        # verifies the chain and the host name; smtp_ca_file adds a CA (e.g. a company's private one);
        # made only when TLS is used (loading the trust store costs ~50 ms per connection)
        tls = s.smtp_security in ("ssl", "starttls")
        context = ssl.create_default_context(cafile=s.smtp_ca_file) if tls else None
        smtp: smtplib.SMTP
        if s.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
        try:
            if s.smtp_security == "starttls":
                smtp.starttls(context=context)
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None

    def send(self, out: Outgoing) -> str:
        email = build_email(out, self.settings)
        try:
            idle = time.monotonic() - self._used_at > IDLE_CHECK_SECONDS
            if self._smtp is not None and idle and not self._alive(self._smtp):
                self.close()  # a pooled connection the server dropped meanwhile: not a delivery failure
            if self._smtp is None:
                self._smtp = self._connect()
            refused = self._smtp.send_message(email)
            self._used_at = time.monotonic()
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            code = min((c for c, _ in exc.recipients.values()), default=550)
            raise self._by_code(code, f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            text = f"smtp {exc.smtp_code}: {exc.smtp_error!r}"
            if exc.smtp_code in AUTH_CODES:
                raise self._configuration(text, str(exc.smtp_code)) from exc
            raise self._by_code(exc.smtp_code, text) from exc
        except ssl.SSLCertVerificationError as exc:  # an OSError; a retry helps only once someone fixes it
            self.close()
            raise self._configuration(
                f"smtp server certificate not trusted for {self.settings.smtp_host!r}: {exc.verify_message}"
                " (check LOYALTY_SMTP_HOST and LOYALTY_SMTP_CA_FILE)",
                "tls_certificate",
            ) from exc
        except (TimeoutError, smtplib.SMTPServerDisconnected, ConnectionError) as exc:
            self.close()
            raise TransientSendError(f"smtp connection: {exc}", code="connection") from exc
        except smtplib.SMTPException as exc:  # no STARTTLS or AUTH offered, no common AUTH mechanism, ...
            self.close()
            raise self._configuration(f"smtp: {exc}", "smtp") from exc
        except OSError as exc:  # other socket and TLS errors (after SMTPException, which is an OSError too)
            self.close()
            raise TransientSendError(f"smtp connection: {exc}", code="connection") from exc
        if refused:
            raise PermanentSendError(f"recipient refused: {refused}", code="550")
        return str(email["Message-ID"])

    @staticmethod
    def _alive(smtp: smtplib.SMTP) -> bool:
        try:
            return smtp.noop()[0] == 250
        except (smtplib.SMTPException, OSError):
            return False

    @staticmethod
    def _configuration(text: str, code: str) -> TransientSendError:
        log.error("e-mail waits until the SMTP settings are fixed: %s", text)
        return TransientSendError(f"{text} (a configuration error: retried until fixed)", code=code)

    @staticmethod
    def _by_code(code: int, text: str) -> Exception:
        if 400 <= code < 500:
            return TransientSendError(text, code=str(code))
        return PermanentSendError(text, code=str(code))

    def find_accepted(self, out: Outgoing) -> str | None:
        return None

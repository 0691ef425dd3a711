"""The twilio client's transport on urllib3: what reaches Twilio is what the stock transport sends, its
errors are the ones the channel classifies, and the environment's CA bundle is the one trusted."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import requests
from requests.utils import DEFAULT_CA_BUNDLE_PATH
from twilio.rest import Client
from urllib3.exceptions import (
    ConnectTimeoutError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)

from loyalty.core.settings import Settings
from loyalty.messaging.adapter import Outgoing, TransientSendError
from tests.workers.twilio_fake import FakeTwilioServer, StockTransport, twilio_settings
from workers.channels.twilio_sms import TwilioSmsChannel
from workers.channels.twilio_transport import as_requests_error, pool_for

# what Twilio reads of a request: the rest (Accept-Encoding, Connection) is the transport's own
READ_BY_TWILIO = ("Authorization", "Accept", "Accept-Charset", "Content-Type", "User-Agent")


@pytest.fixture
def sms_settings(settings: Settings, twilio: FakeTwilioServer) -> Settings:
    return twilio_settings(settings, twilio.url, twilio_validity_period=3600)


def _as_twilio_reads(seen: dict[str, Any]) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    return {
        "method": seen["method"],
        "path": seen["path"],
        "form": seen["form"],
        "headers": {name: headers.get(name.lower()) for name in READ_BY_TWILIO},
    }


def test_twilio_receives_what_the_stock_transport_sends(
    sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    """The same send and the same look-up (a GET with a query) through both transports: the same method,
    path, query, form fields (Turkish letters, +, & and % in the text) and headers Twilio reads."""
    ours = TwilioSmsChannel(sms_settings)
    stock = TwilioSmsChannel(sms_settings)
    stock.http = StockTransport(twilio.url, timeout=5)  # type: ignore[assignment]
    stock.client = Client(
        sms_settings.twilio_account_sid,
        sms_settings.twilio_auth_token,
        http_client=stock.http,
        environment={},
    )
    out = Outgoing(
        message_id=7,
        channel="sms",
        to="+905321112233",
        text="Köşe Kahvecisi: %15 indirim + kahve & kurabiye. Ret için RET yazın.",
    )
    for channel in (stock, ours):
        assert channel.send(out).startswith("SM")
        assert channel.find_accepted(out) is not None
    stock_post, stock_get, our_post, our_get = (_as_twilio_reads(s) for s in twilio.fake.seen)
    assert our_post == stock_post and our_get == stock_get
    assert our_post["form"]["Body"] == out.text and our_post["form"]["ValidityPeriod"] == "3600"
    assert our_post["headers"]["Authorization"].startswith("Basic ")
    assert "To=%2B905321112233" in our_get["path"]
    assert [r["body"] for r in twilio.fake.accepted] == [out.text, out.text]


def test_nothing_listening_is_a_connection_error_the_channel_retries(sms_settings: Settings) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    channel = TwilioSmsChannel(
        sms_settings.model_copy(update={"twilio_base_url": f"http://127.0.0.1:{port}"})
    )
    with pytest.raises(TransientSendError) as failed:
        channel.send(Outgoing(message_id=1, channel="sms", to="+905321112233", text="Merhaba"))
    assert failed.value.code == "connection"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (NewConnectionError(None, "refused"), requests.ConnectionError),  # type: ignore[arg-type]
        (ConnectTimeoutError("connect timed out"), requests.ConnectTimeout),
        (ReadTimeoutError(None, "/", "read timed out"), requests.ReadTimeout),  # type: ignore[arg-type]
        (ProxyError("proxy", OSError("refused")), requests.exceptions.ProxyError),
        (SSLError("certificate verify failed"), requests.exceptions.SSLError),
        (ProtocolError("Connection aborted."), requests.ConnectionError),
    ],
)
def test_urllib3_errors_become_the_requests_errors_the_channel_classifies(
    error: Exception, expected: type[Exception]
) -> None:
    converted = as_requests_error(error)  # type: ignore[arg-type]
    assert type(converted) is expected
    # the channel tells a timeout before sending from one that may have sent by these types
    assert isinstance(converted, requests.ConnectTimeout) == (expected is requests.ConnectTimeout)


def test_the_environments_ca_bundle_is_trusted_else_requests_own(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    assert pool_for("https://api.twilio.com", 5).connection_pool_kw["ca_certs"] == DEFAULT_CA_BUNDLE_PATH
    bundle = tmp_path / "shop-ca.pem"
    bundle.write_text("")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    pool = pool_for("https://api.twilio.com", 5)
    assert pool.connection_pool_kw["ca_certs"] == str(bundle)
    assert pool.connection_pool_kw["cert_reqs"] == "CERT_REQUIRED"

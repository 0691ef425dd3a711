"""E-mails come from the shop: the display name is the shop's name, the address comes from the settings."""

from email import policy
from email.parser import BytesParser

from loyalty.core.settings import Settings
from loyalty.messaging.adapter import Outgoing
from workers.channels.base import build_email


def _settings(**extra: str) -> Settings:
    return Settings(env="test", secret_key="test-secret-key-not-for-production-0123456789", **extra)  # type: ignore[arg-type]


def test_the_shop_is_the_sender() -> None:
    out = Outgoing(message_id=7, channel="email", to="ayse@example.com", text="Merhaba", subject="Kartınız")
    for configured in ("kahve@kosekahvecisi.com.tr", "Loyalty <kahve@kosekahvecisi.com.tr>"):
        settings = _settings(shop_name="Köşe Kahvecisi", email_from=configured)
        raw = build_email(out, settings).as_bytes()
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        [address] = parsed["From"].addresses
        assert (address.display_name, address.addr_spec) == ("Köşe Kahvecisi", "kahve@kosekahvecisi.com.tr")
        assert b"Loyalty" not in raw
    default = build_email(out, _settings(shop_name="Çiçekçi Gül")).as_bytes()
    assert (
        BytesParser(policy=policy.default).parsebytes(default)["From"].addresses[0].display_name
        == "Çiçekçi Gül"
    )

"""Channel adapters: Twilio SMS, SMTP e-mail, and the dev outbox, chosen by settings per channel."""

from __future__ import annotations

from loyalty.settings import Settings
from workers.channels.base import ChannelAdapter


def make_channel(channel: str, settings: Settings) -> ChannelAdapter:
    if channel == "sms":
        if settings.sms_backend == "twilio":
            from workers.channels.twilio_sms import TwilioSmsChannel

            return TwilioSmsChannel(settings)
    elif channel == "email":
        if settings.email_backend == "smtp":
            from workers.channels.smtp_email import SmtpEmailChannel

            return SmtpEmailChannel(settings)
    else:
        raise ValueError(f"unknown channel {channel!r}")
    from workers.channels.outbox import OutboxChannel

    return OutboxChannel(settings, channel)

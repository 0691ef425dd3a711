"""Channel adapters: Twilio SMS, SMTP e-mail, and the dev outbox, chosen by settings per channel."""

from __future__ import annotations

from loyalty.core.settings import Settings
from loyalty.messaging.adapter import ChannelAdapter
from workers.channels.outbox import OutboxChannel
from workers.channels.smtp_email import SmtpEmailChannel
from workers.channels.twilio_sms import TwilioSmsChannel


def make_channel(channel: str, settings: Settings) -> ChannelAdapter:
    if channel == "sms":
        if settings.sms_backend == "twilio":
            return TwilioSmsChannel(settings)
    elif channel == "email":
        if settings.email_backend == "smtp":
            return SmtpEmailChannel(settings)
    else:
        raise ValueError(f"unknown channel {channel!r}")

    return OutboxChannel(settings, channel)

"""Channel adapters: SMS routed by destination (Twilio, NetGSM or the outbox), SMTP e-mail, the dev
outbox, chosen by settings per channel."""

from __future__ import annotations

from loyalty.core.settings import Settings
from loyalty.messaging.adapter import ChannelAdapter
from workers.channels.netgsm_sms import NetgsmSmsChannel
from workers.channels.outbox import OutboxChannel
from workers.channels.routed_sms import RoutedSmsChannel
from workers.channels.smtp_email import SmtpEmailChannel
from workers.channels.twilio_sms import TwilioSmsChannel


def sms_backend(backend: str, settings: Settings) -> ChannelAdapter:
    if backend == "twilio":
        return TwilioSmsChannel(settings)
    if backend == "netgsm":
        return NetgsmSmsChannel(settings)
    return OutboxChannel(settings, "sms")


def make_channel(channel: str, settings: Settings) -> ChannelAdapter:
    if channel == "sms":
        if not settings.sms_routes:
            return sms_backend(settings.sms_backend, settings)
        return RoutedSmsChannel(settings, lambda backend: sms_backend(backend, settings))
    if channel == "email":
        if settings.email_backend == "smtp":
            return SmtpEmailChannel(settings)
        return OutboxChannel(settings, channel)
    raise ValueError(f"unknown channel {channel!r}")

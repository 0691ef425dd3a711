"""Channel adapters: Twilio SMS, SMTP e-mail, and the dev outbox."""

"""What the notifier reads of the settings, parsed once: the outbound webhooks' signing key, the
SMTP server and the sender address. Built by the composition root; the notifier never sees the
whole Settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from loyalty.settings import Settings
from loyalty.settings.parsers import SmtpServer, signing_key


@dataclass(frozen=True)
class NotifyConfig:
    # HMAC key of LOYALTY_NOTIFY_WEBHOOK_SECRET; None: outbound webhooks cannot be signed.
    webhook_key: bytes | None = field(repr=False)
    smtp: SmtpServer | None  # LOYALTY_SMTP_URL; None: no e-mail
    mail_from: str  # LOYALTY_SMTP_FROM
    # LOYALTY_NOTIFY_WEBHOOK_ALLOW_PRIVATE: webhooks may reach loopback and private addresses.
    webhook_allow_private: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> NotifyConfig:
        secret, url = settings.notify_webhook_secret, settings.smtp_url
        return cls(
            webhook_key=signing_key("LOYALTY_NOTIFY_WEBHOOK_SECRET", secret) if secret else None,
            smtp=SmtpServer.from_url(url) if url else None,
            mail_from=settings.smtp_from,
            webhook_allow_private=settings.notify_webhook_allow_private,
        )

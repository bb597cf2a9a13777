"""The thank-you e-mail: built from the owner's template, sent over SMTP (stdlib smtplib in a
worker thread; one connection per message keeps failures independent)."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from loyalty.errors import ConfigError
from loyalty.notify.webhook import DeliveryFailed

TIMEOUT_SECONDS = 10.0


class MailTransport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool  # implicit TLS (smtps://)
    starttls: bool
    username: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """smtp://[user:pass@]host[:port][?starttls=true] or smtps://…"""
        parts = urlsplit(url.strip())
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ConfigError(
                "LOYALTY_SMTP_URL must look like smtp://user:pass@host:587?starttls=true or "
                "smtps://host:465"
            )
        tls = parts.scheme == "smtps"
        query = parse_qs(parts.query)
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 25),
            tls=tls,
            starttls=query.get("starttls", ["false"])[0].lower() == "true",
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


class SmtpTransport:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    def _send(self, message: EmailMessage) -> None:
        s = self.server
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if s.tls:
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT_SECONDS, context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_SECONDS)
        with client:
            if s.starttls:
                client.starttls(context=context)
            if s.username:
                client.login(s.username, s.password or "")
            client.send_message(message)

    async def send(self, message: EmailMessage) -> None:
        try:
            await asyncio.to_thread(self._send, message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"SMTP: {type(exc).__name__}: {exc}") from None


def build_message(*, sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message

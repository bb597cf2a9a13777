"""The thank-you e-mail: built from the owner's template, sent over SMTP (stdlib smtplib in a
worker thread; one connection per message keeps failures independent)."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol

from loyalty.notify.webhook import DeliveryFailed
from loyalty.settings.parsers import SmtpServer  # the parsed LOYALTY_SMTP_URL

TIMEOUT_SECONDS = 10.0


class MailTransport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


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

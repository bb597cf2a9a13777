"""Outbound webhooks signed by the Standard Webhooks scheme (standardwebhooks.com):
`webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">`, keyed by the base64 part of a `whsec_…` secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Protocol

import httpx

from loyalty.settings.parsers import signing_key

TIMEOUT_SECONDS = 10.0


def secret_key(secret: str) -> bytes:
    """The HMAC key of a LOYALTY_NOTIFY_WEBHOOK_SECRET value."""
    return signing_key("LOYALTY_NOTIFY_WEBHOOK_SECRET", secret)


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(key: bytes, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(key, msg_id, timestamp, body),
    }


class DeliveryFailed(Exception):
    """The receiver did not take the notification; it is tried again later."""


class WebhookSender(Protocol):
    async def send(self, url: str, headers: dict[str, str], body: bytes) -> None: ...


class HttpWebhookSender:
    """Any 2xx is delivered; anything else (or no answer in time) is a failure to retry."""

    async def send(self, url: str, headers: dict[str, str], body: bytes) -> None:
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
                reply = await client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from None
        if not 200 <= reply.status_code < 300:
            raise DeliveryFailed(f"receiver answered HTTP {reply.status_code}")

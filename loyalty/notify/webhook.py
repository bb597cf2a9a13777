"""Outbound webhooks signed by the Standard Webhooks scheme (standardwebhooks.com):
`webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">`, keyed by the base64 part of a `whsec_…` secret.

The receiver (the program's `webhookUrl`) must be a public address: loopback, private, link-local,
multicast, unspecified and other non-global addresses are refused when the URL is set (its
literal address, and what its name resolves to then) and again at each delivery, after resolving
the name, and the request is then sent to the very address that was checked (so a name that
resolves elsewhere the second time cannot reach an internal service). With
LOYALTY_NOTIFY_WEBHOOK_ALLOW_PRIVATE loopback and private addresses are allowed (tests, local
development); link-local (the cloud metadata service at 169.254.169.254), multicast and
unspecified ones never are."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx

from loyalty.settings.parsers import signing_key

# Re-exported: the notifier's callers catch DeliveryFailed / UnsafeTarget from here.
from loyalty.webhook_targets import DeliveryFailed as DeliveryFailed
from loyalty.webhook_targets import IPAddress, checked_addresses
from loyalty.webhook_targets import UnsafeTarget as UnsafeTarget

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


def pinned(url: str, ip: IPAddress) -> tuple[str, str, str]:
    """`url` with its host replaced by `ip`; and the Host header and TLS server name to send."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    host_header = parts.netloc.rsplit("@", 1)[-1]  # host[:port], without any user info
    return urlunsplit(parts._replace(netloc=netloc)), host_header, host


class WebhookSender(Protocol):
    async def send(self, url: str, headers: dict[str, str], body: bytes) -> None: ...


class HttpWebhookSender:
    """Any 2xx is delivered; anything else (or no answer in time, or a redirect) is a failure to
    retry. The host is resolved and checked first, and the request goes to the checked address
    (TLS still verifies the certificate for the URL's host name)."""

    def __init__(self, *, allow_private: bool = False) -> None:
        self.allow_private = allow_private

    async def send(self, url: str, headers: dict[str, str], body: bytes) -> None:
        addresses = await checked_addresses(url, allow_private=self.allow_private)
        target, host_header, server_name = pinned(url, addresses[0])
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
                reply = await client.post(
                    target,
                    content=body,
                    headers={**headers, "host": host_header},
                    extensions={"sni_hostname": server_name},
                )
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from None
        if not 200 <= reply.status_code < 300:
            raise DeliveryFailed(f"receiver answered HTTP {reply.status_code}")

"""Standard Webhooks (standardwebhooks.com) verification, hand-written (it is small).

Signed content: `{webhook-id}.{webhook-timestamp}.{body}`; HMAC-SHA256 with the base64 secret
after `whsec_`; `webhook-signature` holds space-separated `v1,<base64>` signatures (the sender
signs with each secret it holds while rotating). Timestamps more than 5 minutes away from now
are refused, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence

from api.webhooks.errors import malformed, unauthenticated

TOLERANCE_SECONDS = 5 * 60
ID_MAX = 256


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64>` for one secret (used by senders, tests and the benchmark)."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class StandardVerifier:
    def __init__(self, secrets: Sequence[str]) -> None:
        self._keys = [secret_key(s) for s in secrets]

    def verify(self, headers: Mapping[str, str], body: bytes, *, now: float | None = None) -> str:
        """The verified webhook-id, or WebhookRefused (401 for signature and time, 400 for
        missing headers)."""
        msg_id = headers.get("webhook-id", "")
        stamp = headers.get("webhook-timestamp", "")
        signatures = headers.get("webhook-signature", "")
        if not msg_id or not stamp or not signatures:
            raise malformed("webhook-id, webhook-timestamp and webhook-signature are required")
        if len(msg_id) > ID_MAX:
            raise malformed(f"webhook-id is longer than {ID_MAX} characters")
        try:
            timestamp = int(stamp)
        except ValueError:
            raise malformed("webhook-timestamp must be unix seconds") from None
        current = time.time() if now is None else now
        if abs(current - timestamp) > TOLERANCE_SECONDS:
            raise unauthenticated("webhook-timestamp is outside the 5-minute window")
        content = f"{msg_id}.{timestamp}.".encode() + body
        expected = [
            base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()) for key in self._keys
        ]
        for candidate in signatures.split():
            version, _, value = candidate.partition(",")
            if version != "v1":
                continue
            given = value.encode()
            if any(hmac.compare_digest(given, e) for e in expected):
                return msg_id
        raise unauthenticated("no webhook-signature matches a configured secret")

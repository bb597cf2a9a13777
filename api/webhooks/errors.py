"""A refused webhook: an HTTP status and a stable code, answered as JSON."""

from __future__ import annotations


class WebhookRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def unauthenticated(message: str) -> WebhookRefused:
    return WebhookRefused(401, "UNAUTHENTICATED", message)


def malformed(message: str) -> WebhookRefused:
    return WebhookRefused(400, "MALFORMED", message)

"""A refused webhook: an HTTP status and a stable code, answered as JSON."""

from __future__ import annotations


class WebhookRefused(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field  # the offending value's path or name, e.g. data.memberId

    def to_json(self) -> dict[str, dict[str, str]]:
        error = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        return {"error": error}


def unauthenticated(message: str) -> WebhookRefused:
    return WebhookRefused(401, "UNAUTHENTICATED", message)


def malformed(message: str) -> WebhookRefused:
    return WebhookRefused(400, "MALFORMED", message)

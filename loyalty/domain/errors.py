"""Domain failures. Each carries a stable `code` that the API shows as `extensions.code`.

They derive from LoyaltyError (defined here, so that the domain needs nothing outside the
standard library; loyalty.errors re-exports it), so the CLI prints them as one line; the API
maps them by `code`.
"""

from __future__ import annotations

from typing import Any, ClassVar


class LoyaltyError(Exception):
    """Base of every expected failure in the core (the domain's and the infrastructure's)."""


class DomainError(LoyaltyError):
    code: ClassVar[str] = "VALIDATION"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    @property
    def extensions(self) -> dict[str, Any]:
        ext: dict[str, Any] = {"code": self.code}
        if self.field is not None:
            ext["field"] = self.field
        return ext


class InvalidInput(DomainError):
    """A field is missing, malformed or out of range: fix the field named in the message."""

    code = "VALIDATION"


class UnsupportedPointMethod(InvalidInput):
    """The activity type does not support the rule's point method."""


class UnknownTier(InvalidInput):
    """A per-tier config names a tier that does not exist."""


class CurrencyMismatch(InvalidInput):
    """An activity amount is not in the program's base currency; send the base-currency amount."""


class NotFound(DomainError):
    code = "NOT_FOUND"


class RevisionMismatch(DomainError):
    """The caller's revision is stale: read the object again and retry with its revision."""

    code = "INVALID_REVISION"


class Conflict(DomainError):
    """The object already exists (e.g. a double-submitted create)."""

    code = "DUPLICATE"


class NotDeletable(DomainError):
    """Pre-installed rules can only be paused."""

    code = "VALIDATION"

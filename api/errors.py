"""Expected GraphQL failures carry a stable `extensions.code`; anything else is masked."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from loyalty.domain.errors import DomainError


class ApiError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.extensions = {"code": self.code, **extensions}


class ValidationFailed(ApiError):
    code = "VALIDATION"


class NotFound(ApiError):
    code = "NOT_FOUND"


class Forbidden(ApiError):
    code = "FORBIDDEN"


class Unauthenticated(ApiError):
    code = "UNAUTHENTICATED"


class CredentialExpired(Unauthenticated):
    """A member token past its `exp` (a WebSocket is closed with 4401 for it, not 4403)."""


def is_expected(error: GraphQLError) -> bool:
    """Errors shown to the caller as they are: our typed ones (API and domain errors, whose
    `extensions.code` graphql-core copies from the exception), and GraphQL's own (syntax,
    validation), which have no original error."""
    original = error.original_error
    # A bad variable comes wrapped twice (variable error → scalar error → our ValidationFailed).
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    return original is None or isinstance(original, ApiError | DomainError | GraphQLError)

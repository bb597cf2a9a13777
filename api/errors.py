"""Expected GraphQL failures carry a stable `extensions.code`; anything else is masked."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError


class ApiError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.extensions = {"code": self.code, **extensions}


class ValidationFailed(ApiError):
    code = "VALIDATION"


class NotFound(ApiError):
    code = "NOT_FOUND"


class InvalidRevision(ApiError):
    code = "INVALID_REVISION"


class Forbidden(ApiError):
    code = "FORBIDDEN"


class Unauthenticated(ApiError):
    code = "UNAUTHENTICATED"


class Duplicate(ApiError):
    code = "DUPLICATE"


def is_expected(error: GraphQLError) -> bool:
    """Errors shown to the caller as they are: our typed ones, and GraphQL's own (syntax,
    validation), which have no original error."""
    original = error.original_error
    return original is None or isinstance(original, ApiError)

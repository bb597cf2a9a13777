"""Expected GraphQL failures carry a stable `extensions.code`; anything else is masked.

In the log, an expected failure (a caller's mistake, told to the caller) is one line at INFO
(WARNING for the few that say the service is short of something), its message truncated; only an
unexpected one (INTERNAL) is logged at ERROR with its traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterable
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


log = logging.getLogger("strawberry.execution")  # where strawberry logs them (and operators look)

LOGGED_MESSAGE_MAX = 200  # characters of an expected error's message in the log
WARNING_CODES = frozenset({"UNAVAILABLE", "LIMIT_EXCEEDED"})  # the service, not the caller


def code_of(error: GraphQLError) -> str:
    """The `extensions.code` the caller gets (api.limits.ErrorCodes gives it the same way)."""
    code = (error.extensions or {}).get("code")
    if isinstance(code, str) and code:
        return code
    return "VALIDATION" if is_expected(error) else "INTERNAL"


def _one_line(text: str, limit: int = LOGGED_MESSAGE_MAX) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else f"{flat[:limit]}… ({len(flat)} characters)"


def log_errors(errors: Iterable[GraphQLError]) -> None:
    """strawberry's Schema.process_errors, quieter: see the module's docstring."""
    for error in errors:
        if not is_expected(error):
            log.error(error, exc_info=error.original_error)
            continue
        code = code_of(error)
        level = logging.WARNING if code in WARNING_CODES else logging.INFO
        where = ".".join(str(p) for p in error.path) if error.path else ""
        log.log(
            level,
            "GraphQL %s%s: %s",
            code,
            f" at {_one_line(where, 80)}" if where else "",
            _one_line(error.message),
        )

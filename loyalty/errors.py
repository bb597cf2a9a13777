"""Errors of the core package. Each message says what the operator should do."""

from __future__ import annotations

# The base lives in the domain so that the domain imports nothing outside the standard library.
from loyalty.domain.errors import LoyaltyError as LoyaltyError


class ConfigError(LoyaltyError):
    """A setting is missing or malformed: fix the environment variable named in the message."""


class ChainError(LoyaltyError):
    """The chain could not be reached or answered unexpectedly."""


class ChainUnreachable(ChainError):
    """No JSON-RPC answer: check LOYALTY_RPC_URL and that the node is running."""


class WrongChain(ChainError):
    """The node serves another chain than the one configured in LOYALTY_CHAIN_ID."""


class NotDeployed(LoyaltyError):
    """No token deployment is recorded for this chain: run `loyalty deploy` first."""


class StateMismatch(LoyaltyError):
    """The database and the chain disagree about the deployment: they are not one history."""

"""Errors of the indexer. Each message says what the operator should do."""

from __future__ import annotations

from loyalty.errors import LoyaltyError


class IndexerError(LoyaltyError):
    """Base of the indexer's expected failures."""


class RpcError(IndexerError):
    """The node answered a JSON-RPC call with an error object (or not at all)."""

    def __init__(self, message: str, *, code: int | None = None, data: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.data = data


class RpcUnavailable(RpcError):
    """Transport failure: connection refused, HTTP 5xx, malformed reply. Retried with backoff."""


class RpcTimeout(RpcError):
    """The node did not answer in time; for eth_getLogs a smaller block range usually helps."""


class TooManyResults(RpcError):
    """eth_getLogs refused a range as too large; `hint` is the node's suggested (from, to)."""

    def __init__(self, message: str, *, hint: tuple[int, int] | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class NodeInconsistent(IndexerError):
    """The node returned data that contradicts itself (a log whose block hash is not its block's
    hash, a log outside the range asked for). Nothing of it is stored; the step is retried."""


class DeepReorg(IndexerError):
    """The chain replaced a block the indexer treated as final. The indexer stops: its data
    below finality can no longer be trusted, and re-indexing is an operator's decision."""


class NotIndexedYet(IndexerError):
    """A query or audit asked about a block the indexer has not passed yet."""


class IndexerBusy(IndexerError):
    """Another indexer process holds the writer lock."""


class ConcurrentWriter(IndexerError):
    """The checkpoint moved under this writer: another indexer wrote. Nothing was stored."""

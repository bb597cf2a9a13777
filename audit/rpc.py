"""The audit's node calls, retried: a node or proxy that drops one call in five must not fail an
audit. Transient failures (the transport: refused connections, HTTP 5xx, timeouts, malformed or
incomplete replies; JSON-RPC errors nodes give when overloaded) are retried a bounded number of
times with a short back-off, and in a batch only the calls that failed are asked again. Any
other error, or a transient one that outlasts the retries, ends the audit with `AuditRpcFailed`:
one line naming the call, the block, the attempts and the node's last answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from indexer.errors import IndexerError, RpcError, RpcTimeout, RpcUnavailable
from indexer.rpc import Call, RpcTransport
from loyalty.metrics import RPC_ERRORS

log = logging.getLogger("audit")

# JSON-RPC error codes of a passing overload: internal error, "limit exceeded" (also used for
# rate limits), HTTP 429 passed through by some providers.
TRANSIENT_CODES = frozenset({-32603, -32005, 429})


class AuditRpcFailed(IndexerError):
    """The node did not answer the audit's calls, even after retries: nothing was concluded."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # in all, the first included
    first_delay: float = 0.2  # seconds, doubled after each failed attempt
    max_delay: float = 2.0
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")


def is_transient(error: RpcError) -> bool:
    return isinstance(error, RpcUnavailable | RpcTimeout) or error.code in TRANSIENT_CODES


def call_all(
    rpc: RpcTransport,
    calls: Sequence[Call],
    *,
    what: str,
    block: int,
    policy: RetryPolicy,
) -> list[Any]:
    """The results of `calls` (one batch), in order, each a successful answer; `what` names
    them in log lines and errors (e.g. "eth_call balanceOf")."""
    results: list[Any] = [None] * len(calls)
    pending = list(range(len(calls)))
    delay = policy.first_delay
    for attempt in range(1, policy.attempts + 1):
        last: RpcError
        try:
            answers = rpc.batch([calls[i] for i in pending])
        except RpcError as exc:
            if not is_transient(exc):
                raise _failed(what, block, attempt, exc, retried_out=False) from None
            failed, last = pending, exc
        else:
            failed = []
            for i, answer in zip(pending, answers, strict=True):
                if not isinstance(answer, RpcError):
                    results[i] = answer
                    continue
                if not is_transient(answer):
                    raise _failed(what, block, attempt, answer, retried_out=False) from None
                failed.append(i)
                last = answer
        if not failed:
            return results
        if attempt == policy.attempts:
            raise _failed(what, block, attempt, last, retried_out=True) from None
        RPC_ERRORS.labels(component="audit", method=calls[failed[0]][0]).inc()
        log.warning(
            "%s at block %d: %d of %d call(s) failed (attempt %d of %d): %s; retrying",
            what,
            block,
            len(failed),
            len(pending),
            attempt,
            policy.attempts,
            last,
        )
        policy.sleep(delay)
        delay = min(delay * 2, policy.max_delay)
        pending = failed
    raise AssertionError("unreachable")


def call_one(
    rpc: RpcTransport, method: str, params: list[Any], *, what: str, block: int, policy: RetryPolicy
) -> Any:
    return call_all(rpc, [(method, params)], what=what, block=block, policy=policy)[0]


def _failed(
    what: str, block: int, attempts: int, error: RpcError, *, retried_out: bool
) -> AuditRpcFailed:
    kind = "kept failing" if retried_out else "refused"
    tried = f" {attempts} times" if retried_out else ""
    answer = " ".join(str(error).split())[:300]  # one line, whatever the node said
    return AuditRpcFailed(
        f"the audit could not read the chain at block {block}: the node {kind} {what}{tried} "
        f"(last answer: {answer}); nothing was concluded, run the audit again once the node "
        "answers"
    )

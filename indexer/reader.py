"""Reading the token's logs from the node: retries, adaptive eth_getLogs ranges, validation and
decoding. Both stages read through a `NodeReader` (realtime.py above finality, historical.py
below it), and so does the fetch worker process (fetch_worker.py). Like that process, this
module imports no web3, SQLAlchemy or eth_utils, so that the process starts quickly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from indexer.decode import TOPICS, Decoded, decode_logs, gc_paused
from indexer.errors import NodeInconsistent, RpcError, RpcTimeout, RpcUnavailable, TooManyResults
from indexer.ranges import AdaptiveRange
from indexer.rpc import RpcTransport, log_retry

log = logging.getLogger("indexer")

# Receives the params of the eth_getLogs calls a stage sent (the benchmark replays them).
Record = Callable[[list[list[Any]]], None]


class NodeReader:
    """Calls the node with retries (transport errors, timeouts) and reads logs in adaptive
    ranges. One caller at a time: the lock serialises a prefetch thread with the step."""

    def __init__(
        self,
        rpc: RpcTransport,
        token: str,
        ranges: AdaptiveRange,
        *,
        retries: int,
        retry_delay: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rpc = rpc
        self.token = token.lower()
        self.ranges = ranges
        self.retries = retries
        self.retry_delay = retry_delay
        self.sleep = sleep
        self._lock = threading.Lock()

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        answers: list[Any] = self._retrying(calls[0][0], lambda: self.rpc.batch(calls))
        return answers

    def _retrying(self, method: str, send: Callable[[], Any]) -> Any:
        delay = self.retry_delay
        for attempt in range(self.retries + 1):
            try:
                with self._lock:
                    return send()
            except (RpcUnavailable, RpcTimeout) as exc:
                if attempt == self.retries:
                    raise
                log_retry(method, attempt + 1, exc)
                self.sleep(delay)
                delay = min(delay * 2, 5.0)
        raise AssertionError("unreachable")

    def _get_logs(self, params: list[Any]) -> Any:
        """eth_getLogs typed where the transport can (HttpRpc.get_logs: RawLog structs), else as
        any call (dicts, converted when decoded)."""
        get_logs = getattr(self.rpc, "get_logs", None)
        if get_logs is None:
            return self.call("eth_getLogs", params)
        return self._retrying("eth_getLogs", lambda: get_logs(params))

    def call(self, method: str, params: list[Any]) -> Any:
        answer = self.batch([(method, params)])[0]
        if isinstance(answer, RpcError):
            raise answer
        return answer

    def logs(
        self, first: int, last: int, sent: list[list[Any]] | None = None
    ) -> tuple[int, Decoded]:
        """Logs of first..last, shrinking the range on refusals; returns the range's real end.
        The params of every eth_getLogs call go to `sent`."""
        transient = 0
        while True:
            params = [
                {
                    "address": self.token,
                    "fromBlock": hex(first),
                    "toBlock": hex(last),
                    "topics": [list(TOPICS)],
                }
            ]
            if sent is not None:
                sent.append(params)
            try:
                with gc_paused():
                    logs = self._get_logs(params)
            except (TooManyResults, RpcTimeout) as exc:
                hint = exc.hint if isinstance(exc, TooManyResults) else None
                if not self.ranges.refused(last - first + 1, hint):
                    raise
                log.debug(
                    "eth_getLogs %d-%d refused (%s); range now %d",
                    first,
                    last,
                    exc,
                    self.ranges.size,
                )
                last = self.ranges.span(first, last)
                continue
            except RpcError as exc:
                # Some nodes answer an overloaded getLogs with a generic error: retry, a few times.
                transient += 1
                if transient > self.retries:
                    raise
                log_retry("eth_getLogs", transient, exc, f"{first}-{last}")
                self.sleep(self.retry_delay)
                continue
            if not isinstance(logs, list):
                raise NodeInconsistent(f"eth_getLogs answered {str(logs)[:100]}")
            with gc_paused():
                decoded = decode_logs(logs, self.token, first, last)
            self.ranges.succeeded(last - first + 1, len(logs))
            return last, decoded

"""Reading the token's logs from the node: retries, adaptive eth_getLogs ranges, validation and
decoding. The sync loop uses a `NodeReader` directly, and during a backfill also through a
`FetchWorker`: a separate process (`python -m indexer.reader`) that reads the next range
below finality while the current one is stored.

Why a process: JSON parsing (one orjson call per eth_getLogs reply holds the GIL for its whole
length) and decoding in a thread stalled the thread that feeds PostgreSQL, which then waited
idle. The worker sends back compact results (plain tuples, repeated strings shared), which
cost a fraction of decoding to unpickle. This module imports only what the worker needs (no
web3, SQLAlchemy or eth_utils), so that it starts quickly.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from indexer.decode import TOPICS, Decoded, Transfer, decode_logs, gc_paused
from indexer.errors import NodeInconsistent, RpcError, RpcTimeout, RpcUnavailable, TooManyResults
from indexer.ranges import AdaptiveRange
from indexer.rpc import HttpRpc, RpcTransport, log_retry

log = logging.getLogger("indexer")


@dataclass(frozen=True)
class Block:
    number: int
    hash: str
    parent_hash: str | None


@dataclass
class FinalRange:
    """The logs of one range at or below finality, and its last block (the checkpoint's
    anchor)."""

    last: int
    decoded: Decoded
    blocks: list[Block]
    logs_calls: list[list[Any]] = field(default_factory=list)  # eth_getLogs params, as sent


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
        delay = self.retry_delay
        for attempt in range(self.retries + 1):
            try:
                with self._lock:
                    return self.rpc.batch(calls)
            except (RpcUnavailable, RpcTimeout) as exc:
                if attempt == self.retries:
                    raise
                log_retry(calls[0][0], attempt + 1, exc)
                self.sleep(delay)
                delay = min(delay * 2, 5.0)
        raise AssertionError("unreachable")

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
                    logs = self.call("eth_getLogs", params)
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

    def final_range(self, first: int, finalized: int) -> FinalRange:
        """Logs of the next range starting at `first`, all at or below `finalized`, and the
        range's last block (the checkpoint's anchor), checked against the logs."""
        sent: list[list[Any]] = []
        last, decoded = self.logs(first, self.ranges.span(first, finalized), sent)
        anchor = self.batch([("eth_getBlockByNumber", [hex(last), False])])[0]
        if not isinstance(anchor, dict) or not anchor.get("hash"):
            raise NodeInconsistent(f"the node has no block {last}")
        last_hash = anchor["hash"].lower()
        for t in decoded.transfers:
            if t.block_number == last and t.block_hash != last_hash:
                raise NodeInconsistent(
                    f"log {t.tx_hash}:{t.log_index} names block hash {t.block_hash}, "
                    f"but block {last} is {last_hash}"
                )
        parent = anchor.get("parentHash")
        return FinalRange(last, decoded, [Block(last, last_hash, parent)], sent)


# -- the worker process ----------------------------------------------------------------------


def _pack(final: FinalRange) -> tuple[Any, ...]:
    """Plain tuples, each repeated string (addresses, block hashes) one object: pickle then
    writes it once and the other side builds it once."""
    shared: dict[str, str] = {}
    same = shared.setdefault
    transfers = [
        (n, same(h, h), tx, i, same(a, a), same(b, b), v)
        for n, h, tx, i, a, b, v in final.decoded.transfers
    ]
    return (final.last, transfers, final.decoded.batches, final.blocks, final.logs_calls)


def _unpack(packed: tuple[Any, ...]) -> FinalRange:
    last, transfers, batches, blocks, sent = packed
    return FinalRange(last, Decoded(list(map(Transfer._make, transfers)), batches), blocks, sent)


def _read_frame(stream: Any) -> Any:
    """One pickled object, length-prefixed; EOFError at the end of the stream."""
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError
    size = int.from_bytes(head, "big")
    body = stream.read(size)
    if len(body) < size:
        raise EOFError
    return pickle.loads(body)


def _write_frame(stream: Any, value: Any) -> None:
    body = pickle.dumps(value, protocol=5)
    stream.write(len(body).to_bytes(8, "big"))
    stream.write(body)
    stream.flush()


def _serve(url: str, timeout: float, token: str, retries: int, delay: float) -> None:
    """The worker, on its stdin and stdout. A request (first, finalized, ranges) starts a
    stream: the ranges from `first` on, one after another up to `finalized`, each answered as
    ("ok", range, ranges) or, ending the stream, ("error", exception, ranges). It reads ahead
    of the parent by one range (and one being written) while the parent stores. Ends when
    the parent closes its stdin, or kills it to drop a stream it will not use."""
    channel_in, channel_out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the channel
    rpc = HttpRpc(url, timeout=timeout)
    reader = NodeReader(rpc, token, AdaptiveRange(), retries=retries, retry_delay=delay)
    ready: queue.Queue[bytes | None] = queue.Queue(maxsize=1)

    def write() -> None:
        while (frame := ready.get()) is not None:
            try:
                channel_out.write(frame)
                channel_out.flush()
            except OSError:  # the parent is gone (killed): nobody will read the rest
                os._exit(0)

    writer = threading.Thread(target=write, name="indexer-fetch-writer", daemon=True)
    writer.start()
    try:
        while True:
            try:
                first, finalized, reader.ranges = _read_frame(channel_in)
            except (EOFError, OSError):
                return
            while first <= finalized:
                try:
                    final = reader.final_range(first, finalized)
                    with gc_paused():
                        answer: tuple[Any, ...] = ("ok", _pack(final), reader.ranges)
                    first = final.last + 1
                except Exception as exc:  # handed to the step that takes the result
                    answer = ("error", exc, reader.ranges)
                    first = finalized + 1
                with gc_paused():
                    body = pickle.dumps(answer, protocol=5)
                ready.put(len(body).to_bytes(8, "big") + body)
    finally:
        ready.put(None)
        rpc.close()


class FetchWorker:
    """A process (`python -m indexer.reader`) that reads ranges below finality for an
    `HttpRpc` node (same URL, its own connection), talking over its stdin and stdout: one
    stream of consecutive ranges at a time (see `_serve`)."""

    def __init__(self, rpc: HttpRpc, token: str, *, retries: int, retry_delay: float) -> None:
        # A fresh interpreter rather than multiprocessing: fork would copy the database
        # connections, and spawn re-imports the caller's main module.
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "indexer.reader",
                json.dumps([rpc.url, rpc.timeout, token, retries, retry_delay]),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.next_first: int | None = None  # the first block of the next range it will send
        self._finalized = 0

    def stream(self, first: int, finalized: int, ranges: AdaptiveRange) -> None:
        """Starts reading the ranges from `first` up to `finalized` (none may be under way)."""
        assert self.next_first is None
        assert self._process.stdin is not None
        try:
            _write_frame(self._process.stdin, (first, finalized, ranges))
        except OSError:
            raise RpcUnavailable("the fetch worker process ended") from None
        self.next_first, self._finalized = first, finalized

    def take(self, ranges: AdaptiveRange) -> FinalRange:
        """The stream's next range (starting at `next_first`), or raises its failure (which
        ends the stream); `ranges` gets the worker's adaptive size."""
        self.next_first = None
        try:
            with gc_paused():
                status, value, after = _read_frame(self._process.stdout)
        except (EOFError, OSError):
            raise RpcUnavailable("the fetch worker process ended") from None
        ranges.size = after.size
        if status == "error":
            raise value
        with gc_paused():
            final = _unpack(value)
        if final.last < self._finalized:
            self.next_first = final.last + 1
        return final

    def alive(self) -> bool:
        return self._process.poll() is None

    def close(self) -> None:
        """Ends the process at once (a stream under way is dropped: it holds nothing else)."""
        self.next_first = None
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


if __name__ == "__main__":
    # Through the module's own name, so that what it pickles is indexer.reader.*, not __main__.*
    from indexer import reader

    reader._serve(*json.loads(sys.argv[1]))

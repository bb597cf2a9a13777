"""Reading ranges below finality, and the fetch worker: a separate process (`python -m
indexer.fetch_worker`) that reads them ahead of the steps during a backfill from an HTTP node,
while the current range is stored. historical.py decides when it runs.

Why a process: JSON parsing (one orjson call per eth_getLogs reply holds the GIL for its whole
length) and decoding in a thread stalled the thread that feeds PostgreSQL, which then waited
idle. The worker sends back compact results (plain tuples, repeated strings shared), which
cost a fraction of decoding to unpickle. This module imports only what the worker needs (no
web3, SQLAlchemy or eth_utils), so that it starts quickly.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from indexer import frames
from indexer.decode import Block, Decoded, Transfer, gc_paused
from indexer.errors import NodeInconsistent, RpcUnavailable
from indexer.ranges import AdaptiveRange
from indexer.reader import NodeReader
from indexer.rpc import HttpRpc


@dataclass
class FinalRange:
    """The logs of one range at or below finality, and its last block (the checkpoint's
    anchor)."""

    last: int
    decoded: Decoded
    blocks: list[Block]
    logs_calls: list[list[Any]] = field(default_factory=list)  # eth_getLogs params, as sent


def read_final_range(reader: NodeReader, first: int, finalized: int) -> FinalRange:
    """Logs of the next range starting at `first`, all at or below `finalized`, and the
    range's last block (the checkpoint's anchor), checked against the logs."""
    sent: list[list[Any]] = []
    last, decoded = reader.logs(first, reader.ranges.span(first, finalized), sent)
    anchor = reader.batch([("eth_getBlockByNumber", [hex(last), False])])[0]
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


def _read_frame(fd: int, stall: float = frames.STALL_S) -> Any:
    """The next pickled object on `fd`; EOFError at the end of the stream, CorruptFrame for
    anything that is not an intact frame of a pickled object."""
    body = frames.read_frame(fd, stall=stall)
    try:
        return pickle.loads(body)
    except Exception as exc:  # an intact frame the other side did not write as a pickle
        raise frames.CorruptFrame(f"a frame that is not a pickle ({type(exc).__name__})") from None


def _write_frame(stream: Any, value: Any) -> None:
    stream.write(frames.encode(pickle.dumps(value, protocol=5)))
    stream.flush()


def _serve(url: str, timeout: float, token: str, retries: int, delay: float) -> None:
    """The worker, on its stdin and stdout. A request (first, finalized, ranges) starts a
    stream: the ranges from `first` on, one after another up to `finalized`, each answered as
    ("ok", range, ranges) or, ending the stream, ("error", exception, ranges). It reads ahead
    of the parent by one range (and one being written) while the parent stores. Ends when
    the parent closes its stdin, or kills it to drop a stream it will not use."""
    channel_in = sys.stdin.fileno()
    # The channel gets a descriptor of its own and fd 1 becomes stderr: a stray print, a C
    # library or a profiler attached to this process writing to "stdout" must not reach it.
    channel_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
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
            except (EOFError, OSError, frames.CorruptFrame):
                return
            while first <= finalized:
                try:
                    final = read_final_range(reader, first, finalized)
                    with gc_paused():
                        answer: tuple[Any, ...] = ("ok", _pack(final), reader.ranges)
                    first = final.last + 1
                except Exception as exc:  # handed to the step that takes the result
                    answer = ("error", exc, reader.ranges)
                    first = finalized + 1
                with gc_paused():
                    body = pickle.dumps(answer, protocol=5)
                ready.put(frames.encode(body))
    finally:
        ready.put(None)
        rpc.close()


class FetchWorker:
    """A process (`python -m indexer.fetch_worker`) that reads ranges below finality for an
    `HttpRpc` node (same URL, its own connection), talking over its stdin and stdout: one
    stream of consecutive ranges at a time (see `_serve`)."""

    def __init__(self, rpc: HttpRpc, token: str, *, retries: int, retry_delay: float) -> None:
        # A fresh interpreter rather than multiprocessing: fork would copy the database
        # connections, and spawn re-imports the caller's main module.
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "indexer.fetch_worker",
                json.dumps([rpc.url, rpc.timeout, token, retries, retry_delay]),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.next_first: int | None = None  # the first block of the next range it will send
        self._finalized = 0
        self.stall = frames.STALL_S  # see indexer.frames

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
        ends the stream); `ranges` gets the worker's adaptive size. A message that is not an
        intact answer ends the worker (the stream is out of step) and fails as RpcUnavailable,
        like a worker that died: one failed step, which the next one retries."""
        self.next_first = None
        assert self._process.stdout is not None
        try:
            with gc_paused():
                status, value, after = _read_frame(self._process.stdout.fileno(), self.stall)
                if status == "ok":
                    final = _unpack(value)
                elif status != "error" or not isinstance(value, BaseException):
                    raise frames.CorruptFrame(f"an answer of status {status!r}")
            ranges.size = after.size
        except (EOFError, OSError):
            raise RpcUnavailable("the fetch worker process ended") from None
        except (frames.CorruptFrame, ValueError, TypeError, AttributeError) as exc:
            self.close()
            raise RpcUnavailable(f"the fetch worker sent a corrupt message: {exc}") from None
        if status == "error":
            raise value
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
    # Through the module's own name, so that what it pickles is indexer.fetch_worker.*, not
    # __main__.*
    from indexer import fetch_worker

    fetch_worker._serve(*json.loads(sys.argv[1]))

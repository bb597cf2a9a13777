"""`loyalty audit recompute` in constant memory: the chain's digest rows (audit/digest.stream,
one eth_getLogs range at a time) are compared with the index's two digest chains as they come,
each read from the database in block order (indexer.digest_reads streams them), so nothing of
the blocks already compared is kept. For `--against URL` the bisection needs the chain's digest
at any block: the rows are spooled to a temporary file of fixed-size records, searched by seeking
(the balances of the one divergent block are read by a second pass up to it).

What is held: one range of logs, each address's balance (the fold cannot do without it: a
digest line is a balance after the block) and one row of each side."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from sqlalchemy import Engine

from audit.digest import FIRST_RANGE, Divergence, RecomputeStats, stream
from audit.digest_report import RecomputeReport
from indexer.digest import DigestRow, seed
from indexer.digest_reads import changes_of, history_digests, stored_digests
from indexer.rpc import RpcTransport

Changes = list[tuple[str, int]]


class _Walk:
    """One index chain walked beside the chain's rows: its first divergence (as
    audit.digest.first_divergence finds it) and the chain's changes at that block."""

    def __init__(self, rows: Iterator[DigestRow]) -> None:
        self.rows = rows
        self.next = next(rows, None)
        self.found: Divergence | None = None
        self.chain_changes: Changes = []

    def feed(self, block: int, digest: str, changes: Changes) -> None:
        if self.found is not None:
            return
        ahead = self.next
        if ahead is not None and ahead[0] < block:
            self.found = Divergence(ahead[0], None, ahead[1])  # a change the chain has not
        elif ahead is None or ahead[0] > block:
            self.found, self.chain_changes = Divergence(block, digest, None), changes
        elif ahead[1] != digest:
            self.found, self.chain_changes = Divergence(block, digest, ahead[1]), changes
        else:
            self.next = next(self.rows, None)

    def finish(self) -> None:
        if self.found is None and self.next is not None:
            self.found = Divergence(self.next[0], None, self.next[1])


def compare_streamed(
    engine: Engine,
    rpc: RpcTransport,
    stats: RecomputeStats,
    start_block: int,
    progress: Callable[[int, int], None] | None = None,
    first_range: int = FIRST_RANGE,
) -> RecomputeReport:
    """The chain's digest rows through `stats.through` against the stored digest rows and the
    rows the index's balance history makes, in one pass of each."""
    with engine.connect() as a, engine.connect() as b:
        walks = (
            _Walk(stored_digests(a, stats.through)),
            _Walk(history_digests(b, stats.chain_id, stats.token, stats.through)),
        )
        for block, digest, changes in stream(rpc, stats, start_block, progress, first_range):
            for walk in walks:
                walk.feed(block, digest, changes)
        for walk in walks:
            walk.finish()
    report = RecomputeReport(stats.through, stats, walks[0].found, walks[1].found)
    divergent = report.divergent
    if divergent is not None:
        first = min((w for w in walks if w.found is not None), key=lambda w: w.found.block)  # type: ignore[union-attr]
        ours = dict(first.chain_changes)
        with engine.connect() as conn:
            index = dict(changes_of(conn, divergent))
        report.differences = {
            a: (ours.get(a), index.get(a))
            for a in sorted(set(ours) | set(index))
            if ours.get(a) != index.get(a)
        }
    return report


_RECORD = 8 + 64  # block (8 bytes, big-endian) + digest (64 hex digits)


@dataclass
class SpooledDigests:
    """The chain's digests (audit.bisect's ChainDigests, for the bisection) from a streamed
    recompute spooled to a temporary file: digest(block) is a binary search over its records."""

    rpc: RpcTransport
    stats: RecomputeStats
    start_block: int
    file: IO[bytes]
    rows: int
    first_range: int = FIRST_RANGE
    name: str = "the chain (eth_getLogs)"

    @classmethod
    def spool(
        cls,
        rpc: RpcTransport,
        stats: RecomputeStats,
        start_block: int,
        progress: Callable[[int, int], None] | None = None,
        first_range: int = FIRST_RANGE,
    ) -> SpooledDigests:
        file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close(), after the bisection
        rows = 0
        for block, digest, _changes in stream(rpc, stats, start_block, progress, first_range):
            file.write(block.to_bytes(8, "big") + digest.encode("ascii"))
            rows += 1
        return cls(rpc, stats, start_block, file, rows, first_range)

    def _record(self, i: int) -> tuple[int, str]:
        self.file.seek(i * _RECORD)
        raw = self.file.read(_RECORD)
        return int.from_bytes(raw[:8], "big"), raw[8:].decode("ascii")

    def identity(self) -> tuple[int, str]:
        return self.stats.chain_id, self.stats.token

    def indexed_block(self) -> int:
        return self.stats.through

    def digest(self, block: int) -> str:
        """The digest at the end of `block`: that of the last row at or before it."""
        low, high = 0, self.rows  # the first record past `block` is in [low, high]
        while low < high:
            mid = (low + high) // 2
            if self._record(mid)[0] <= block:
                low = mid + 1
            else:
                high = mid
        return self._record(low - 1)[1] if low else seed(self.stats.chain_id, self.stats.token)

    def changes(self, block: int) -> Changes:
        """The balances block `block` changed, from a second pass of the logs up to it."""
        again = RecomputeStats(self.stats.chain_id, self.stats.token, self.stats.through)
        for n, _digest, changes in stream(
            self.rpc, again, self.start_block, first_range=self.first_range, stop=block
        ):
            if n == block:
                return changes
        return []

    def close(self) -> None:
        self.file.close()

"""The streamed recompute (audit/digest.stream, audit/digest_stream.SpooledDigests) against a
node faked in memory: it reads one eth_getLogs range at a time and yields each range's blocks
before asking for the next (nothing of the chain is gathered first), gives the same rows as the
in-memory fold, and the spooled digests answer any block as the in-memory ones do."""

from __future__ import annotations

import random
from typing import Any

from audit.bisect import ChainDigests, bisect
from audit.digest import TRANSFER_TOPIC, ZERO, RecomputeStats, recompute, stream
from audit.digest_stream import SpooledDigests

TOKEN = "0x" + "ab" * 20


def _topic(address: str) -> str:
    return "0x" + "0" * 24 + address[2:]


class FakeNode:
    """eth_getLogs over a list of transfers (block, from, to, value); counts the calls."""

    def __init__(self, transfers: list[tuple[int, str, str, int]]) -> None:
        self.transfers = transfers
        self.calls: list[tuple[int, int]] = []

    def call(self, method: str, params: list[Any]) -> Any:
        assert method == "eth_getLogs"
        first, last = int(params[0]["fromBlock"], 16), int(params[0]["toBlock"], 16)
        self.calls.append((first, last))
        return [
            {
                "address": TOKEN,
                "topics": [TRANSFER_TOPIC, _topic(frm), _topic(to)],
                "data": hex(value),
                "blockNumber": hex(block),
                "logIndex": hex(i),
            }
            for i, (block, frm, to, value) in enumerate(self.transfers)
            if first <= block <= last
        ]

    def batch(self, calls: Any) -> list[Any]:  # pragma: no cover - not used by the recompute
        raise NotImplementedError

    def close(self) -> None:
        pass


def _chain(seed: int, blocks: int = 5_000) -> list[tuple[int, str, str, int]]:
    rng = random.Random(seed)
    holders = ["0x" + f"{i:040x}" for i in range(1, 30)]
    held = dict.fromkeys(holders, 0)
    out = []
    for block in sorted(rng.sample(range(1, blocks), 400)):
        to = rng.choice(holders)
        if rng.random() < 0.5:
            value = rng.randint(1, 100)
            out.append((block, ZERO, to, value))
            held[to] += value
        else:
            frm = max(holders, key=held.__getitem__)
            value = rng.randint(0, held[frm])
            out.append((block, frm, to, value))
            held[frm] -= value
            held[to] += value
    return out


def test_the_stream_reads_one_range_at_a_time_and_equals_the_in_memory_fold() -> None:
    node = FakeNode(_chain(1))
    stats = RecomputeStats(1, TOKEN, 5_000)
    rows = stream(node, stats, 0, first_range=100)
    first = next(rows)
    assert len(node.calls) == 1 and first[0] <= node.calls[0][1]  # the first range only
    streamed = [first, *rows]
    assert len(node.calls) > 5  # ranges, not one call for everything
    whole = recompute(FakeNode(_chain(1)), 1, TOKEN, 0, 5_000, first_range=100)
    assert [(b, d, len(c)) for b, d, c in streamed] == whole.rows
    assert all(whole.changes[b] == c for b, _d, c in streamed)
    assert (stats.blocks, stats.transfers, stats.digest) == (
        len(whole.rows),
        400,
        whole.digest(5_000),
    )


def test_spooled_digests_answer_every_block_as_the_in_memory_ones() -> None:
    stats = RecomputeStats(1, TOKEN, 5_000)
    spooled = SpooledDigests.spool(FakeNode(_chain(2)), stats, 0, first_range=250)
    whole = ChainDigests(recompute(FakeNode(_chain(2)), 1, TOKEN, 0, 5_000))
    try:
        assert spooled.rows == len(whole.recomputed.rows)
        for block in [0, 1, 2, *range(3, 5_001, 37), 4_999, 5_000]:
            assert spooled.digest(block) == whole.digest(block), block
        changed = whole.recomputed.rows[len(whole.recomputed.rows) // 2][0]
        assert spooled.changes(changed) == whole.changes(changed)
        # A chain changed at one block: the bisection over the spool names that block.
        tampered = _chain(2)
        block, frm, to, value = tampered[200]
        tampered[200] = (block, frm, to, value + 1)
        other = ChainDigests(recompute(FakeNode(tampered), 1, TOKEN, 0, 5_000))
        result = bisect(spooled, other)
        assert result.divergent == block
    finally:
        spooled.close()

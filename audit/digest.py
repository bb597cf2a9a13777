"""`loyalty audit recompute`: the bisectable digest (indexer/digest.py) rebuilt from the node's
`eth_getLogs` alone, over raw JSON-RPC, with its own decoding and fold of the Transfer logs
(none of the indexer's tables and none of its decoding: a bug there must not hide here), then
compared block by block with the index's stored digest rows and with the digest its own
balance history makes (a hand-changed history row or digest row is named by its block).
Only the encoding (`block_digest`, `seed`) is shared: it is the definition."""

from __future__ import annotations

import bisect as _bisect
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from indexer.digest import DigestRow, block_digest, seed
from indexer.errors import IndexerError, RpcError, RpcTimeout, RpcUnavailable, TooManyResults
from indexer.rpc import RpcTransport

# keccak256("Transfer(address,address,uint256)"): the ERC-20 standard topic.
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
ZERO = "0x" + "0" * 40
FIRST_RANGE = 2_000  # blocks per eth_getLogs call to start with; halved on a refusal
ATTEMPTS = 5  # for a transport failure (connection, HTTP 5xx), with a doubling pause


class RecomputeFailed(IndexerError):
    """The node's logs could not be read, or contradict themselves: nothing was concluded."""


@dataclass
class Recomputed:
    """The digest rows the chain's logs make, through block `through`."""

    chain_id: int
    token: str
    through: int
    rows: list[DigestRow] = field(default_factory=list)
    changes: dict[int, list[tuple[str, int]]] = field(default_factory=dict)
    transfers: int = 0
    calls: int = 0

    def digest(self, block: int) -> str:
        """The digest at the end of `block` (≤ through)."""
        at = _bisect.bisect_right(self.rows, (block, "\uffff", 0))
        return self.rows[at - 1][1] if at else seed(self.chain_id, self.token)


def _logs(
    rpc: RpcTransport, token: str, first: int, last: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """The Transfer logs of first..at most last; returns them and the range's real end, halving
    the range while the node refuses it as too large."""
    failures = 0
    while True:
        end = min(last, first + size - 1)
        params = [
            {
                "address": token,
                "fromBlock": hex(first),
                "toBlock": hex(end),
                "topics": [TRANSFER_TOPIC],
            }
        ]
        try:
            answer = rpc.call("eth_getLogs", params)
        except (TooManyResults, RpcTimeout) as exc:
            if size == 1:
                raise RecomputeFailed(f"eth_getLogs of block {first} refused: {exc}") from None
            size = max(1, size // 2)
            continue
        except RpcUnavailable as exc:
            failures += 1
            if failures >= ATTEMPTS:
                raise RecomputeFailed(f"eth_getLogs {first}-{end}: {exc}") from None
            time.sleep(0.2 * 2**failures)
            continue
        except RpcError as exc:
            raise RecomputeFailed(f"eth_getLogs {first}-{end}: {exc}") from None
        if not isinstance(answer, list):
            raise RecomputeFailed(f"eth_getLogs {first}-{end} answered {str(answer)[:100]}")
        return answer, end


def _transfer(log: Any, token: str, first: int, last: int) -> tuple[int, int, str, str, int]:
    """(block, log index, from, to, value) of one Transfer log, checked."""
    try:
        topics = log["topics"]
        block, index = int(log["blockNumber"], 16), int(log["logIndex"], 16)
        if (
            str(log["address"]).lower() != token
            or len(topics) != 3
            or str(topics[0]).lower() != TRANSFER_TOPIC
            or log.get("removed")
            or not first <= block <= last
        ):
            raise ValueError("not a Transfer log of the token in the range asked")
        frm = "0x" + str(topics[1])[-40:].lower()
        to = "0x" + str(topics[2])[-40:].lower()
        value = int(log["data"], 16)
    except (KeyError, TypeError, ValueError) as exc:
        raise RecomputeFailed(f"the node gave a log the recompute refuses ({exc}): {log}") from None
    return block, index, frm, to, value


@dataclass
class RecomputeStats:
    """What a streamed recompute read: its calls and transfers, the blocks with changes and the
    digest after the last block read (the seed before any)."""

    chain_id: int
    token: str
    through: int
    digest: str = ""
    transfers: int = 0
    calls: int = 0
    blocks: int = 0


def stream(
    rpc: RpcTransport,
    stats: RecomputeStats,
    start_block: int,
    progress: Callable[[int, int], None] | None = None,
    first_range: int = FIRST_RANGE,
    stop: int | None = None,
) -> Iterator[tuple[int, str, list[tuple[str, int]]]]:
    """(block, digest, sorted changes) of each block from `start_block` through `stats.through`
    (or `stop`) that touched a balance, read one eth_getLogs range at a time: what is held is one
    range's logs and each address's balance (the fold's state), never the blocks already done, so
    memory does not grow with the chain's length or its transfers."""
    token = stats.token.lower()
    balances: dict[str, int] = {}
    previous = stats.digest = seed(stats.chain_id, token)
    last = stats.through if stop is None else min(stop, stats.through)
    first, size = start_block, first_range
    while first <= last:
        logs, end = _logs(rpc, token, first, last, size)
        stats.calls += 1
        moves = sorted(_transfer(log, token, first, end) for log in logs)
        del logs
        stats.transfers += len(moves)
        for block, changes in _by_block(moves, balances):
            previous = stats.digest = block_digest(previous, block, changes)
            stats.blocks += 1
            yield block, previous, sorted(changes)
        if progress is not None:
            progress(end, len(moves))
        size = min(size * 2, 100_000) if len(moves) < 5_000 else size
        first = end + 1


def recompute(
    rpc: RpcTransport,
    chain_id: int,
    token: str,
    start_block: int,
    through: int,
    progress: Callable[[int, int], None] | None = None,
    first_range: int = FIRST_RANGE,
) -> Recomputed:
    """Every digest row and change in memory (small ranges and tests; the command streams)."""
    stats = RecomputeStats(chain_id, token.lower(), through)
    out = Recomputed(chain_id, token.lower(), through)
    for block, digest, changes in stream(rpc, stats, start_block, progress, first_range):
        out.rows.append((block, digest, len(changes)))
        out.changes[block] = changes
    out.transfers, out.calls = stats.transfers, stats.calls
    return out


def _by_block(
    moves: list[tuple[int, int, str, str, int]], balances: dict[str, int]
) -> Iterator[tuple[int, list[tuple[str, int]]]]:
    """Applies the sorted moves to `balances` and yields each block's (address, balance after)
    changes; a balance going negative means the node left logs out."""
    i = 0
    while i < len(moves):
        block = moves[i][0]
        touched: set[str] = set()
        while i < len(moves) and moves[i][0] == block:
            _block, index, frm, to, value = moves[i]
            if frm != ZERO:
                balances[frm] = balances.get(frm, 0) - value
                if balances[frm] < 0:
                    raise RecomputeFailed(
                        f"{frm} would hold {balances[frm]} after block {block} log {index}: "
                        "the node's logs are incomplete"
                    )
                touched.add(frm)
            if to != ZERO:
                balances[to] = balances.get(to, 0) + value
                touched.add(to)
            i += 1
        yield block, [(a, balances[a]) for a in touched]


@dataclass(frozen=True)
class Divergence:
    """The first block at which two digest chains differ, with both sides' digests there."""

    block: int
    ours: str | None  # None: this side has no row at the block (no change there)
    theirs: str | None


def first_divergence(ours: Iterable[DigestRow], theirs: Iterable[DigestRow]) -> Divergence | None:
    """Walks two digest-row sequences (block order) together: the first block present in only
    one of them or with different digests; None if they are equal."""
    a, b = iter(ours), iter(theirs)
    x, y = next(a, None), next(b, None)
    while x is not None or y is not None:
        if x is not None and y is not None and x[0] == y[0]:
            if x[1] != y[1]:
                return Divergence(x[0], x[1], y[1])
            x, y = next(a, None), next(b, None)
        elif y is None or (x is not None and x[0] < y[0]):
            assert x is not None
            return Divergence(x[0], x[1], None)
        else:
            return Divergence(y[0], None, y[1])
    return None

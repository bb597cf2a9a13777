"""Following the head, above finality: the blocks' headers (typed, checked to form one chain on
top of the stored tip), their logs checked against them (a log must name its block's hash; a
block whose bloom says it has the token's logs while the range query brought none is asked
again by hash), and, when the stored tip is no longer the node's, the walk back to the common
ancestor and the undo of the blocks above it.

The checks are pure functions (unit-tested); `Realtime` adds the node and the database."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from indexer import store
from indexer.decode import (
    TOPICS,
    TRANSFER,
    BatchEvent,
    Block,
    Decoded,
    Transfer,
    bloom_may_contain,
    decode_logs,
)
from indexer.errors import DeepReorg, NodeInconsistent
from indexer.queries import State, stored_blocks
from indexer.reader import NodeReader, Record

log = logging.getLogger("indexer")

_TRANSFER_TOPIC = bytes.fromhex(TRANSFER[2:])
WALK_BACK_WINDOW = 64  # stored blocks asked of the node per batch while walking back


@dataclass(frozen=True)
class Header:
    number: int
    hash: str  # lower-case 0x-hex
    parent: str
    bloom: str | None  # the logs bloom, 0x-hex, if the node gave one

    @property
    def block(self) -> Block:
        return Block(self.number, self.hash, self.parent)


# -- pure checks -------------------------------------------------------------------------------


def tip_replaced(answer: Any, indexed_hash: str) -> bool:
    """Whether the node's answer for the stored tip's number is not the stored tip (another
    block, none, or an error): a reorg to walk back."""
    return not isinstance(answer, dict) or answer.get("hash", "").lower() != indexed_hash


def parse_headers(first: int, answers: Sequence[Any], parent: str | None) -> list[Header]:
    """The headers of blocks first, first+1, … from the node's answers, checked to form one
    chain on top of `parent` (the stored tip's hash; None: nothing stored yet)."""
    headers = []
    expected_parent = parent
    for n, answer in enumerate(answers, start=first):
        if not isinstance(answer, dict) or not answer.get("hash"):
            raise NodeInconsistent(f"the node has no block {n} (head moved back?)")
        if not isinstance(answer.get("parentHash"), str) or not isinstance(answer["hash"], str):
            # A malformed header is the node's fault like a missing one: retried, not a crash.
            raise NodeInconsistent(f"the node's header of block {n} has no parentHash")
        header = Header(
            number=n,
            hash=answer["hash"].lower(),
            parent=answer["parentHash"].lower(),
            bloom=answer.get("logsBloom"),
        )
        if expected_parent is not None and header.parent != expected_parent:
            raise NodeInconsistent(
                f"block {n} does not extend {expected_parent} (a reorg under way); retrying"
            )
        expected_parent = header.hash
        headers.append(header)
    return headers


def check_block_hashes(decoded: Decoded, headers: Sequence[Header]) -> set[int]:
    """Refuses a log that names another hash than its block's header (NodeInconsistent);
    returns the numbers of the blocks that have logs."""
    by_number = {h.number: h.hash for h in headers}
    seen = set()
    items: list[Transfer | BatchEvent] = [*decoded.transfers, *decoded.batches]
    for item in items:
        expected = by_number[item.block_number]
        if item.block_hash != expected:
            raise NodeInconsistent(
                f"log {item.tx_hash}:{item.log_index} names block hash {item.block_hash}, "
                f"but block {item.block_number} is {expected}: refused"
            )
        seen.add(item.block_number)
    return seen


def to_ask_again(headers: Sequence[Header], seen: set[int], token: bytes) -> list[Header]:
    """The blocks without logs in the range's reply whose bloom says they may hold a Transfer
    of `token` (the token's address, 20 bytes)."""
    return [
        h
        for h in headers
        if h.number not in seen and h.bloom and bloom_may_contain(h.bloom, token, _TRANSFER_TOPIC)
    ]


def merged(decoded: Decoded, extra: Decoded) -> Decoded:
    """The logs of both, in chain order."""
    return Decoded(
        sorted([*decoded.transfers, *extra.transfers], key=lambda t: (t.block_number, t.log_index)),
        sorted([*decoded.batches, *extra.batches], key=lambda b: (b.block_number, b.log_index)),
    )


def first_still_there(stored: Sequence[Block], answers: Sequence[Any]) -> Block | None:
    """The first of `stored` (newest first) that the node's answers (for the same numbers)
    show unchanged."""
    for b, answer in zip(stored, answers, strict=True):
        if isinstance(answer, dict) and str(answer.get("hash", "")).lower() == b.hash:
            return b
    return None


def check_reorg_depth(state: State, ancestor: Block | None) -> Block:
    """The common ancestor, if the reorg stays above finality; otherwise DeepReorg."""
    final = state.finalized_block if state.finalized_block is not None else -1
    if ancestor is None or ancestor.number < final:
        where = f"block {ancestor.number}" if ancestor else "below the retained blocks"
        raise DeepReorg(
            f"reorg deeper than finality: the chain replaced blocks at or below the finalized "
            f"block {final} (indexed up to {state.indexed_block}; common ancestor {where}). "
            "The indexer stops: check the node, then re-index with `loyalty indexer --reset`"
        )
    return ancestor


# -- the stage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadRange:
    """Blocks first..last above finality: their logs and every block (kept for reorgs)."""

    last: int
    decoded: Decoded
    blocks: list[Block]


class Realtime:
    def __init__(self, engine: Engine, reader: NodeReader, record: Record) -> None:
        self.engine = engine
        self.reader = reader
        self._record = record
        self._token_bytes = bytes.fromhex(reader.token[2:])

    def read(self, first: int, last: int, parent: str | None) -> HeadRange:
        """Blocks first..at most `last` on top of `parent`, checked (the range may come back
        shorter: a node refused the logs of the whole of it)."""
        answers = self.reader.batch(
            [("eth_getBlockByNumber", [hex(n), False]) for n in range(first, last + 1)]
        )
        headers = parse_headers(first, answers, parent)
        sent: list[list[Any]] = []
        try:
            last, decoded = self.reader.logs(first, last, sent)
        finally:
            self._record(sent)
        headers = headers[: last - first + 1]
        decoded = self._check(decoded, headers, first, last)
        return HeadRange(last, decoded, [h.block for h in headers])

    def _check(self, decoded: Decoded, headers: list[Header], first: int, last: int) -> Decoded:
        """Every log's block hash must be its block's hash; a block whose bloom says it has
        our logs but got none is asked again by hash (its logs are checked the same way)."""
        seen = check_block_hashes(decoded, headers)
        extra_logs: list[Any] = []
        for h in to_ask_again(headers, seen, self._token_bytes):
            params = [{"address": self.reader.token, "blockHash": h.hash, "topics": [list(TOPICS)]}]
            self._record([params])
            again = self.reader.call("eth_getLogs", params)
            if again:
                log.warning("block %d: eth_getLogs by range missed %d logs", h.number, len(again))
                extra_logs.extend(again)
        if not extra_logs:
            return decoded  # a bloom false positive
        extra = decode_logs(extra_logs, self.reader.token, first, last)
        check_block_hashes(extra, headers)
        return merged(decoded, extra)

    def walk_back(self, state: State) -> int:
        """Walks back the stored blocks to the newest one the node still has and undoes the
        rest, with the checkpoint, in one transaction; returns the ancestor's number. A replaced
        block at or below finality raises DeepReorg (nothing is undone)."""
        with self.engine.connect() as conn:
            stored = stored_blocks(conn, state.indexed_block)
        found: Block | None = None
        for start in range(0, len(stored), WALK_BACK_WINDOW):
            window = stored[start : start + WALK_BACK_WINDOW]
            answers = self.reader.batch(
                [("eth_getBlockByNumber", [hex(b.number), False]) for b in window]
            )
            found = first_still_there(window, answers)
            if found is not None:
                break
        ancestor = check_reorg_depth(state, found)
        with self.engine.begin() as conn:
            store.rollback_to(conn, state, ancestor)
        log.warning(
            "reorg of depth %d: undid blocks %d-%d, re-indexing from %d",
            state.indexed_block - ancestor.number,
            ancestor.number + 1,
            state.indexed_block,
            ancestor.number + 1,
        )
        return ancestor.number

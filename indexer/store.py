"""The indexer's writes. Every function runs inside the caller's transaction, so a range's data
and the checkpoint that covers it commit together (a crash resumes with no gap and no double
count), and a reorg's undo commits with the checkpoint moved back to the common ancestor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection, delete, insert, update

from indexer import dialect
from indexer.balances import fold, touched, undo, undone
from indexer.decode import Block, Decoded
from indexer.digest import chain_digests
from indexer.digest_reads import digest_before
from indexer.errors import ConcurrentWriter
from indexer.queries import (
    State,
    batch_events_above,
    current_balances,
    last_changes,
    transfers_above,
)
from indexer.tables import (
    ALL,
    balance_history,
    batch_events,
    digests,
    indexer_blocks,
    indexer_state,
    supply_history,
    transfers,
)


@dataclass
class RangeData:
    """What one step writes: blocks first..last, their decoded logs, and the blocks to keep."""

    first: int
    last: int
    last_hash: str
    decoded: Decoded
    blocks: Sequence[Block]
    head: int
    finalized: int
    # Set by apply_range: the balance of every address the range touched, after it.
    balances_after: dict[str, int] = field(default_factory=dict)


def init_state(conn: Connection, chain_id: int, token: str, start_block: int) -> State:
    """Starts an empty index of `token`; the first block indexed will be `start_block`."""
    state = State(
        chain_id=chain_id,
        token=token.lower(),
        start_block=start_block,
        indexed_block=start_block - 1,
        indexed_hash=None,
        head_block=None,
        finalized_block=None,
        total_supply=0,
        events=0,
        reorgs_handled=0,
        last_reorg_depth=None,
    )
    conn.execute(insert(indexer_state).values(id=1, updated_at=_now(), **state.__dict__))
    return state


def reset(conn: Connection) -> None:
    """Forgets everything indexed (the chain is the source; a re-index rebuilds it)."""
    for table in reversed(ALL):
        conn.execute(delete(table))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _advance(conn: Connection, state: State, new: State) -> None:
    """Compare-and-set of the checkpoint: refuses if another writer moved it meanwhile."""
    values = {k: v for k, v in new.__dict__.items() if k not in ("chain_id", "token")}
    result = conn.execute(
        update(indexer_state)
        .where(indexer_state.c.id == 1)
        .where(indexer_state.c.indexed_block == state.indexed_block)
        .values(updated_at=_now(), **values)
    )
    if result.rowcount != 1:
        raise ConcurrentWriter(
            f"the checkpoint is no longer at block {state.indexed_block}: another indexer wrote"
        )


def apply_range(
    conn: Connection, state: State, data: RangeData, known: Mapping[str, int] | None = None
) -> State:
    """Stores one range of blocks and moves the checkpoint to `data.last`. `known` holds
    balances the caller knows to be the stored ones at `state`'s checkpoint (they are not read
    again); `data.balances_after` gets the touched addresses' balances after the range."""
    decoded = data.decoded
    addresses = touched(decoded.transfers)
    if known:
        current = {a: known[a] for a in addresses if a in known}
        current.update(current_balances(conn, addresses.difference(current)))
    else:
        current = current_balances(conn, addresses)
    stored = set(current)  # addresses that have a balance row (the others get one now)
    folded = fold(decoded.transfers, current, state.total_supply)
    history, supply, supply_rows = folded.history, folded.supply, folded.supply_rows

    if decoded.transfers:
        dialect.insert_transfers(conn, decoded.transfers, history)
        last_change = folded.last_change()
        rows = [(a, current[a], last_change[a]) for a in last_change]
        dialect.write_balances(conn, rows, stored)
        data.balances_after = {a: current[a] for a in last_change}
        # The bisectable digest of each block that changed a balance (indexer/digest.py).
        previous = digest_before(conn, state.indexed_block, state.chain_id, state.token)
        dialect.insert_digests(conn, chain_digests(previous, history))
    if supply_rows:
        conn.execute(
            insert(supply_history),
            [{"block_number": n, "total_supply": s} for n, s in supply_rows.items()],
        )
    if decoded.batches:
        conn.execute(
            insert(batch_events),
            [
                {
                    "tx_hash": b.tx_hash,
                    "log_index": b.log_index,
                    "block_number": b.block_number,
                    "batch_id": b.batch_id,
                    "kind": b.kind,
                    "count": b.count,
                    "total": b.total,
                }
                for b in decoded.batches
            ],
        )
    if data.blocks:
        conn.execute(
            delete(indexer_blocks).where(
                indexer_blocks.c.number.in_([b.number for b in data.blocks])
            )
        )
        conn.execute(
            insert(indexer_blocks),
            [
                {"number": b.number, "hash": b.hash, "parent_hash": b.parent_hash}
                for b in data.blocks
            ],
        )
    # Blocks at or below finality cannot be reorged (or the indexer stops); keep the finalized
    # block itself as the anchor a walk-back can end on, and always the tip.
    keep_from = min(data.finalized, data.last)
    conn.execute(delete(indexer_blocks).where(indexer_blocks.c.number < keep_from))
    new = replace(
        state,
        indexed_block=data.last,
        indexed_hash=data.last_hash,
        head_block=data.head,
        finalized_block=data.finalized,
        total_supply=supply,
        events=state.events + decoded.events,
    )
    _advance(conn, state, new)
    return new


def rollback_to(conn: Connection, state: State, ancestor: Block) -> State:
    """Undoes everything above `ancestor` (a reorg): balances lose what the removed transfers
    added and regain what they took (undo is subtraction), history and facts above go."""
    above = transfers_above(conn, ancestor.number)
    deltas, supply = undo(above, state.total_supply)
    removed_batches = batch_events_above(conn, ancestor.number)
    for table in (transfers, batch_events, balance_history, supply_history, digests):
        conn.execute(delete(table).where(table.c.block_number > ancestor.number))
    conn.execute(delete(indexer_blocks).where(indexer_blocks.c.number > ancestor.number))
    if deltas:
        current = current_balances(conn, deltas)
        last_change = last_changes(conn, list(deltas))
        after = undone(current, deltas)
        rows = [(a, b, last_change.get(a, ancestor.number)) for a, b in after.items()]
        dialect.upsert_balances(conn, rows)
    new = replace(
        state,
        indexed_block=ancestor.number,
        indexed_hash=ancestor.hash,
        total_supply=supply,
        events=state.events - len(above) - removed_batches,
        reorgs_handled=state.reorgs_handled + 1,
        last_reorg_depth=state.indexed_block - ancestor.number,
    )
    _advance(conn, state, new)
    return new


def commit_without_waiting_for_disk(conn: Connection) -> None:
    """PostgreSQL: this transaction's COMMIT returns before its WAL is flushed to disk
    (`synchronous_commit = off`, for this transaction only; a no-op elsewhere).

    Only for ranges entirely at or below finality, where it is safe: the commit is still
    atomic (checkpoint and data together or neither) and commits stay in order, so a
    PostgreSQL crash (not an indexer crash: that loses nothing committed) can lose only the
    latest such commits (at most three wal_writer_delay of them), leaving an older checkpoint
    with exactly its data. The indexer then fetches those ranges again, and a range below
    finality is the same on every fetch, so a reader that saw the lost rows sees the very same
    rows again. What it saves is one WAL flush wait per range."""
    dialect.synchronous_commit_off(conn)


def record_head(conn: Connection, head: int, finalized: int) -> None:
    """Head and finality as last seen, for indexerStatus when there is nothing to index."""
    conn.execute(
        update(indexer_state)
        .where(indexer_state.c.id == 1)
        .values(head_block=head, finalized_block=finalized, updated_at=_now())
    )

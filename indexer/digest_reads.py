"""Reads of the bisectable digest (indexer/digest.py): the digest at any block, the balance
changes of one block, the stored digest rows in order, and the digest chain rebuilt from the
index's own balance history (what the stored rows must equal: `loyalty audit recompute` checks
it, and migration indexer_digest_0001 fills the rows of an index made before they existed)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, select

from indexer.digest import DigestRow, block_digest, seed
from indexer.errors import NotIndexedYet
from indexer.tables import balance_history, digests, indexer_state

if TYPE_CHECKING:
    # Only in annotations: sqlalchemy.ext.asyncio loads sqlalchemy.orm (~0.1 s), which the
    # indexer process never needs.
    from sqlalchemy.ext.asyncio import AsyncConnection

STREAM_ROWS = 10_000  # rows fetched at a time when walking a whole table


def _newest_stmt(block: int) -> Select[Any]:
    return (
        select(digests.c.block_number, digests.c.digest)
        .where(digests.c.block_number <= block)
        .order_by(digests.c.block_number.desc())
        .limit(1)
    )


def _changes_stmt(block: int) -> Select[Any]:
    return (
        select(balance_history.c.address, balance_history.c.balance)
        .where(balance_history.c.block_number == block)
        .order_by(balance_history.c.address)
    )


def _state_stmt() -> Select[Any]:
    s = indexer_state.c
    return select(s.chain_id, s.token, s.start_block, s.indexed_block).where(s.id == 1)


def digest_before(conn: Connection, block: int, chain_id: int, token: str) -> str:
    """The digest at the end of `block` (the writer's: the digest its next range chains from)."""
    row = conn.execute(_newest_stmt(block)).first()
    return str(row.digest) if row is not None else seed(chain_id, token)


@dataclass(frozen=True)
class DigestAt:
    block: int
    digest: str
    changed_at: int | None  # the newest block ≤ `block` that changed a balance (None: none)
    changes: list[tuple[str, int]]  # the balance changes of `block` itself, by address


async def digest_at(conn: AsyncConnection, block: int, with_changes: bool = True) -> DigestAt:
    """The digest at the end of `block`; a block the indexer has not reached raises
    NotIndexedYet. Blocks before the token's deployment have the seed."""
    state = (await conn.execute(_state_stmt())).first()
    if state is None or block > state.indexed_block:
        reached = "nothing" if state is None else state.indexed_block
        raise NotIndexedYet(f"block {block} is not indexed yet (the indexer has reached {reached})")
    row = (await conn.execute(_newest_stmt(block))).first()
    changes: list[tuple[str, int]] = []
    if with_changes and row is not None and row.block_number == block:
        changes = [(a, int(b)) for a, b in await conn.execute(_changes_stmt(block))]
    if row is None:
        return DigestAt(block, seed(state.chain_id, state.token), None, changes)
    return DigestAt(block, str(row.digest), int(row.block_number), changes)


def changes_of(conn: Connection, block: int) -> list[tuple[str, int]]:
    """The stored balance changes of one block, by address."""
    return [(a, int(b)) for a, b in conn.execute(_changes_stmt(block))]


def stored_digests(conn: Connection, through: int) -> Iterator[DigestRow]:
    """The stored digest rows up to `through`, in block order."""
    stmt = (
        select(digests.c.block_number, digests.c.digest, digests.c.changes)
        .where(digests.c.block_number <= through)
        .order_by(digests.c.block_number)
        .execution_options(stream_results=True, yield_per=STREAM_ROWS)
    )
    for n, d, c in conn.execute(stmt):
        yield int(n), str(d), int(c)


def history_digests(
    conn: Connection, chain_id: int, token: str, through: int
) -> Iterator[DigestRow]:
    """The digest rows that the stored balance history up to `through` makes, in block order,
    in constant memory per block (the history table read once, in order)."""
    stmt = (
        select(balance_history.c.block_number, balance_history.c.address, balance_history.c.balance)
        .where(balance_history.c.block_number <= through)
        .order_by(balance_history.c.block_number, balance_history.c.address)
        .execution_options(stream_results=True, yield_per=STREAM_ROWS)
    )
    previous = seed(chain_id, token)
    block: int | None = None
    changes: list[tuple[str, int]] = []
    for n, address, balance in conn.execute(stmt):
        if n != block:
            if block is not None:
                previous = block_digest(previous, block, changes)
                yield block, previous, len(changes)
            block, changes = int(n), []
        changes.append((address, int(balance)))
    if block is not None:
        yield block, block_digest(previous, block, changes), len(changes)

"""Reads of the index, for the API, the audit and other modules (e.g. the accounts API shows
`points.onchain` with `indexed_balance`), and the indexer's own (the checkpoint, the stored
balances a range starts from, the stored blocks a reorg walks back). Statements are built once
here and run on a sync `Connection` or an async `AsyncConnection`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, and_, func, or_, select

from indexer.decode import ZERO_ADDRESS, Block
from indexer.dialect import CHUNK, array_literal
from indexer.errors import NotIndexedYet
from indexer.tables import (
    balance_history,
    balances,
    batch_events,
    indexer_blocks,
    indexer_state,
    supply_history,
    transfers,
)

if TYPE_CHECKING:
    # Only in annotations: sqlalchemy.ext.asyncio loads sqlalchemy.orm (~0.1 s), which the
    # indexer process never needs.
    from sqlalchemy.ext.asyncio import AsyncConnection


def _norm(address: str) -> str:
    return address.lower()


def balance_stmt(address: str, block: int | None = None) -> Select[Any]:
    if block is None:
        return select(balances.c.balance).where(balances.c.address == _norm(address))
    return (
        select(balance_history.c.balance)
        .where(balance_history.c.address == _norm(address))
        .where(balance_history.c.block_number <= block)
        .order_by(balance_history.c.block_number.desc())
        .limit(1)
    )


def _indexed_block_stmt() -> Select[Any]:
    return select(indexer_state.c.indexed_block, indexer_state.c.start_block).where(
        indexer_state.c.id == 1
    )


def _check_block(row: Any, block: int) -> None:
    indexed = row.indexed_block if row is not None else None
    if indexed is None or block > indexed:
        raise NotIndexedYet(
            f"block {block} is not indexed yet (the indexer has reached "
            f"{'nothing' if indexed is None else indexed})"
        )


async def indexed_balance(conn: AsyncConnection, address: str, block: int | None = None) -> int:
    """The indexed balance of `address` (at the end of `block` if given); 0 if it never held
    any. A block the indexer has not reached raises NotIndexedYet."""
    if block is not None:
        _check_block((await conn.execute(_indexed_block_stmt())).first(), block)
    value = (await conn.execute(balance_stmt(address, block))).scalar()
    return int(value or 0)


async def indexed_balances(conn: AsyncConnection, addresses: Sequence[str]) -> dict[str, int]:
    """`indexed_balance` (now) of several addresses in one statement, by address as given."""
    wanted = sorted({_norm(a) for a in addresses})
    if not wanted:
        return {}
    rows = await conn.execute(
        select(balances.c.address, balances.c.balance).where(balances.c.address.in_(wanted))
    )
    found = {address: int(balance or 0) for address, balance in rows}
    return {a: found.get(_norm(a), 0) for a in addresses}


def indexed_balance_sync(conn: Connection, address: str, block: int | None = None) -> int:
    if block is not None:
        _check_block(conn.execute(_indexed_block_stmt()).first(), block)
    value = conn.execute(balance_stmt(address, block)).scalar()
    return int(value or 0)


def balances_at_stmt(block: int) -> Select[Any]:
    """Every address's last balance at or before `block` (non-zero only), by address."""
    latest = (
        select(
            balance_history.c.address.label("address"),
            func.max(balance_history.c.block_number).label("block_number"),
        )
        .where(balance_history.c.block_number <= block)
        .group_by(balance_history.c.address)
        .subquery()
    )
    return (
        select(balance_history.c.address, balance_history.c.balance)
        .join(
            latest,
            and_(
                balance_history.c.address == latest.c.address,
                balance_history.c.block_number == latest.c.block_number,
            ),
        )
        .order_by(balance_history.c.address)
    )


def balances_at(conn: Connection, block: int) -> dict[str, int]:
    _check_block(conn.execute(_indexed_block_stmt()).first(), block)
    return {a: b for a, b in conn.execute(balances_at_stmt(block)) if b > 0}


def supply_at_stmt(block: int | None) -> Select[Any]:
    stmt = select(supply_history.c.total_supply).order_by(supply_history.c.block_number.desc())
    if block is not None:
        stmt = stmt.where(supply_history.c.block_number <= block)
    return stmt.limit(1)


async def indexed_total_supply(conn: AsyncConnection, block: int | None = None) -> int:
    return int((await conn.execute(supply_at_stmt(block))).scalar() or 0)


async def holder_count(conn: AsyncConnection) -> int:
    zero = 0
    stmt = select(func.count()).select_from(balances).where(balances.c.balance > zero)
    return int((await conn.execute(stmt)).scalar_one())


@dataclass(frozen=True)
class Holder:
    address: str
    balance: int
    block_number: int


BY_BALANCE, BY_ADDRESS = "BALANCE_DESC", "ADDRESS"


async def holders_page(
    conn: AsyncConnection, first: int, after: tuple[int, str] | str | None, order: str
) -> list[Holder]:
    """A page of holders (balance > 0). Keyset pagination: `after` is the last row's
    (balance, address) for BALANCE_DESC, its address for ADDRESS."""
    stmt = select(balances.c.address, balances.c.balance, balances.c.block_number).where(
        balances.c.balance > 0
    )
    if order == BY_BALANCE:
        if isinstance(after, tuple):
            bal, addr = after
            stmt = stmt.where(
                or_(
                    balances.c.balance < bal,
                    and_(balances.c.balance == bal, balances.c.address > addr),
                )
            )
        stmt = stmt.order_by(balances.c.balance.desc(), balances.c.address)
    else:
        if isinstance(after, str):
            stmt = stmt.where(balances.c.address > after)
        stmt = stmt.order_by(balances.c.address)
    rows = await conn.execute(stmt.limit(first))
    return [Holder(a, b, n) for a, b, n in rows]


@dataclass(frozen=True)
class TransferRow:
    tx_hash: str
    log_index: int
    block_number: int
    from_address: str
    to_address: str
    value: int


async def transfers_page(
    conn: AsyncConnection,
    *,
    address: str | None,
    from_block: int | None,
    to_block: int | None,
    first: int,
    after: tuple[int, int] | None,
) -> list[TransferRow]:
    """Transfers in chain order; `after` is the last row's (block, log index)."""
    stmt = select(
        transfers.c.tx_hash,
        transfers.c.log_index,
        transfers.c.block_number,
        transfers.c.from_address,
        transfers.c.to_address,
        transfers.c.value,
    )
    if address is not None:
        a = _norm(address)
        stmt = stmt.where(or_(transfers.c.from_address == a, transfers.c.to_address == a))
    if from_block is not None:
        stmt = stmt.where(transfers.c.block_number >= from_block)
    if to_block is not None:
        stmt = stmt.where(transfers.c.block_number <= to_block)
    if after is not None:
        blk, idx = after
        stmt = stmt.where(
            or_(
                transfers.c.block_number > blk,
                and_(transfers.c.block_number == blk, transfers.c.log_index > idx),
            )
        )
    stmt = stmt.order_by(transfers.c.block_number, transfers.c.log_index).limit(first)
    return [TransferRow(*row) for row in await conn.execute(stmt)]


@dataclass(frozen=True)
class Status:
    head_block: int | None
    finalized_block: int | None
    indexed_block: int | None
    reorgs_handled: int
    last_reorg_depth: int | None
    events: int

    @property
    def lag_blocks(self) -> int | None:
        if self.head_block is None or self.indexed_block is None:
            return None
        return max(0, self.head_block - self.indexed_block)


async def indexer_status(conn: AsyncConnection) -> Status:
    row = (await conn.execute(select(indexer_state).where(indexer_state.c.id == 1))).first()
    if row is None:
        return Status(None, None, None, 0, None, 0)
    return Status(
        row.head_block,
        row.finalized_block,
        row.indexed_block if row.indexed_block >= row.start_block else None,
        row.reorgs_handled,
        row.last_reorg_depth,
        row.events,
    )


# -- the writer's reads: the checkpoint, the stored balances and blocks -----------------------


@dataclass(frozen=True)
class State:
    """The checkpoint: where the index stands (its one indexer_state row)."""

    chain_id: int
    token: str
    start_block: int
    indexed_block: int
    indexed_hash: str | None
    head_block: int | None
    finalized_block: int | None
    total_supply: int
    events: int
    reorgs_handled: int
    last_reorg_depth: int | None


def load_state(conn: Connection) -> State | None:
    row = conn.execute(select(indexer_state).where(indexer_state.c.id == 1)).first()
    if row is None:
        return None
    m = row._mapping
    return State(**{k: m[k] for k in State.__dataclass_fields__})


def current_balances(conn: Connection, addresses: Iterable[str]) -> dict[str, int]:
    """The stored balances of those of `addresses` that have a row."""
    found: dict[str, int] = {}
    wanted = list(addresses)
    if conn.dialect.name == "postgresql" and wanted:
        rows = conn.exec_driver_sql(
            "SELECT address, balance FROM indexer_balances WHERE address = ANY(%s::varchar[])",
            (array_literal(wanted),),
        )
        return {a: int(b) for a, b in rows}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        rows = conn.execute(
            select(balances.c.address, balances.c.balance).where(balances.c.address.in_(chunk))
        )
        found.update({a: b for a, b in rows})
    return found


def last_changes(conn: Connection, addresses: list[str]) -> dict[str, int]:
    """Address -> the last block whose balance history row it has (those that have one)."""
    found: dict[str, int] = {}
    for start in range(0, len(addresses), CHUNK):
        chunk = addresses[start : start + CHUNK]
        rows = conn.execute(
            select(balance_history.c.address, func.max(balance_history.c.block_number))
            .where(balance_history.c.address.in_(chunk))
            .group_by(balance_history.c.address)
        )
        found.update({a: n for a, n in rows})
    return found


def transfers_above(conn: Connection, block: int) -> list[tuple[str, str, int]]:
    """(from, to, value) of the stored transfers above `block` (a reorg's undo)."""
    rows = conn.execute(
        select(transfers.c.from_address, transfers.c.to_address, transfers.c.value).where(
            transfers.c.block_number > block
        )
    )
    return [(a, b, v) for a, b, v in rows]


def batch_events_above(conn: Connection, block: int) -> int:
    """How many batch events are stored above `block`."""
    stmt = select(func.count()).select_from(batch_events).where(batch_events.c.block_number > block)
    return int(conn.execute(stmt).scalar_one())


def stored_blocks(conn: Connection, below_or_at: int) -> list[Block]:
    """Stored blocks ≤ `below_or_at`, newest first."""
    rows = conn.execute(
        select(indexer_blocks)
        .where(indexer_blocks.c.number <= below_or_at)
        .order_by(indexer_blocks.c.number.desc())
    )
    return [Block(r.number, r.hash, r.parent_hash) for r in rows]


def final_stmt() -> Select[Any]:
    """The last block that is both indexed and final (NULL before the first finalized block)."""
    s = indexer_state.c
    return select(s.indexed_block, s.finalized_block, s.start_block).where(s.id == 1)


def transfers_between_stmt(after: int, through: int) -> Select[Any]:
    """Transfers from one address to another (no mint, no burn) in blocks after..through, in
    chain order."""
    t = transfers.c
    return (
        select(t.tx_hash, t.log_index, t.block_number, t.from_address, t.to_address, t.value)
        .where(t.block_number > after, t.block_number <= through)
        .where(t.from_address != ZERO_ADDRESS, t.to_address != ZERO_ADDRESS)
        .order_by(t.block_number, t.log_index)
    )

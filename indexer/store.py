"""The indexer's writes. Every function runs inside the caller's transaction, so a range's data
and the checkpoint that covers it commit together (a crash resumes with no gap and no double
count), and a reorg's undo commits with the checkpoint moved back to the common ancestor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.schema import CreateIndex, DropIndex

from indexer.balances import fold, touched, undo, undone
from indexer.decode import Decoded
from indexer.errors import IndexerError, NodeInconsistent
from indexer.reader import Block as Block  # re-exported: store.Block
from indexer.tables import (
    ALL,
    amount_literal,
    balance_history,
    balances,
    batch_events,
    indexer_blocks,
    indexer_state,
    supply_history,
    transfers,
)

_CHUNK = 900  # bound on bind parameters per IN (...) for SQLite


class ConcurrentWriter(IndexerError):
    """The checkpoint moved under this writer: another indexer wrote. Nothing was stored."""


@dataclass(frozen=True)
class State:
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


def load_state(conn: Connection) -> State | None:
    row = conn.execute(select(indexer_state).where(indexer_state.c.id == 1)).first()
    if row is None:
        return None
    m = row._mapping
    return State(**{k: m[k] for k in State.__dataclass_fields__})


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


def current_balances(conn: Connection, addresses: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    wanted = list(addresses)
    if conn.dialect.name == "postgresql" and wanted:
        rows = conn.exec_driver_sql(
            "SELECT address, balance FROM indexer_balances WHERE address = ANY(%s::varchar[])",
            (_array_literal(wanted),),
        )
        return {a: int(b) for a, b in rows}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = conn.execute(
            select(balances.c.address, balances.c.balance).where(balances.c.address.in_(chunk))
        )
        found.update({a: b for a, b in rows})
    return found


def _array_literal(items: Iterable[str]) -> str:
    """A PostgreSQL array literal of items that need no quoting (hex addresses, digits)."""
    return "{" + ",".join(items) + "}"


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
        if conn.dialect.name == "postgresql":
            # COPY text built here in one piece: psycopg's write_row (a Python call and a
            # dumper per value) cost more than all the rest of a range's Python work.
            _copy_text(
                conn,
                transfers,
                ("tx_hash", "log_index", "block_number", "from_address", "to_address", "value"),
                sorted(
                    f"{tx_hash}\t{log_index}\t{number}\t{frm}\t{to}\t{value}\n"
                    for number, _hash, tx_hash, log_index, frm, to, value in decoded.transfers
                ),
            )
            _copy_text(
                conn,
                balance_history,
                ("address", "block_number", "balance"),
                sorted(f"{a}\t{n}\t{b}\n" for (a, n), b in history.items()),
            )
        else:
            _insert_many(
                conn,
                transfers,
                ("tx_hash", "log_index", "block_number", "from_address", "to_address", "value"),
                [
                    (
                        t.tx_hash,
                        t.log_index,
                        t.block_number,
                        t.from_address,
                        t.to_address,
                        amount_literal(t.value, "sqlite"),
                    )
                    for t in decoded.transfers
                ],
            )
            _insert_many(
                conn,
                balance_history,
                ("address", "block_number", "balance"),
                [(a, n, amount_literal(b, "sqlite")) for (a, n), b in history.items()],
            )
        last_change = folded.last_change()
        rows = [(a, current[a], last_change[a]) for a in last_change]
        if conn.dialect.name == "postgresql":
            _write_balances(
                conn, [r for r in rows if r[0] in stored], [r for r in rows if r[0] not in stored]
            )
        else:
            _upsert_balances(conn, rows)
        data.balances_after = {a: current[a] for a in last_change}
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


def _copy_text(conn: Connection, table: Any, columns: tuple[str, ...], lines: list[str]) -> None:
    """PostgreSQL COPY (several times faster than INSERT for backfills) of rows already in COPY
    text form, one line each. Their values are numbers, and hex strings from the node that
    were never unescaped: a tab, newline, carriage return or backslash among them would
    shift or split a row (or be unescaped), so the separators are counted and the batch is
    refused (NodeInconsistent) if they are not exactly the expected ones."""
    data = "".join(lines).encode()
    if (
        data.count(b"\n") != len(lines)
        or data.count(b"\t") != len(lines) * (len(columns) - 1)
        or b"\\" in data
        or b"\r" in data
    ):
        raise NodeInconsistent(f"the node's logs hold characters that {table.name} refuses")
    raw = conn.connection.driver_connection
    assert raw is not None
    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cur, cur.copy(sql) as copy:
        copy.write(data)


def _insert_many(
    conn: Connection, table: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """executemany on the driver connection (SQLite); rows hold stored forms (see
    `amount_literal`)."""
    placeholders = ", ".join("?" for _ in columns)
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.executemany(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})", rows
    )


def _write_balances(
    conn: Connection, changed: list[tuple[str, int, int]], new: list[tuple[str, int, int]]
) -> None:
    """PostgreSQL, a range's balances: an UPDATE joined to arrays for the addresses that have
    a row, a plain INSERT for the others (the range knows which: it read or remembered every
    stored balance it touched). About a quarter less of the database's time than one
    INSERT … ON CONFLICT DO UPDATE, which probes for a conflict and locks each row first.
    A row missing or present against that knowledge fails the range (nothing is stored)."""
    if changed:
        result = conn.exec_driver_sql(
            "UPDATE indexer_balances AS b SET balance = u.balance, block_number = u.block_number "
            "FROM unnest(%s::varchar[], %s::numeric[], %s::bigint[]) "
            "AS u(address, balance, block_number) WHERE b.address = u.address",
            (
                _array_literal(r[0] for r in changed),
                _array_literal(str(r[1]) for r in changed),
                _array_literal(str(r[2]) for r in changed),
            ),
        )
        if result.rowcount != len(changed):
            raise ConcurrentWriter(
                f"{len(changed) - result.rowcount} balance rows vanished: another writer?"
            )
    if new:
        conn.exec_driver_sql(
            "INSERT INTO indexer_balances (address, balance, block_number) "
            "SELECT * FROM unnest(%s::varchar[], %s::numeric[], %s::bigint[])",
            (
                _array_literal(r[0] for r in new),
                _array_literal(str(r[1]) for r in new),
                _array_literal(str(r[2]) for r in new),
            ),
        )


def _upsert_balances(conn: Connection, rows: list[tuple[str, int, int]]) -> None:
    """Inserts or updates (address, balance, block) rows: a reorg's undo on either dialect, a
    range's balances on SQLite (PostgreSQL ranges use `_write_balances`)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        # One statement over arrays: several times faster than executemany for a backfill.
        # Arrays go as text literals: psycopg's per-item dumping of Decimal lists cost more
        # than the statement itself. Addresses are hex and numbers digits: nothing to quote.
        conn.exec_driver_sql(
            "INSERT INTO indexer_balances (address, balance, block_number) "
            "SELECT * FROM unnest(%s::varchar[], %s::numeric[], %s::bigint[]) "
            "ON CONFLICT (address) DO UPDATE SET balance = excluded.balance, "
            "block_number = excluded.block_number",
            (
                _array_literal(r[0] for r in rows),
                _array_literal(str(r[1]) for r in rows),
                _array_literal(str(r[2]) for r in rows),
            ),
        )
        return
    stmt = sqlite_insert(balances)
    stmt = stmt.on_conflict_do_update(
        index_elements=[balances.c.address],
        set_={"balance": stmt.excluded.balance, "block_number": stmt.excluded.block_number},
    )
    for start in range(0, len(rows), 5000):
        conn.execute(
            stmt,
            [
                {"address": a, "balance": b, "block_number": n}
                for a, b, n in rows[start : start + 5000]
            ],
        )


def stored_blocks(conn: Connection, below_or_at: int) -> list[Block]:
    """Stored blocks ≤ `below_or_at`, newest first."""
    rows = conn.execute(
        select(indexer_blocks)
        .where(indexer_blocks.c.number <= below_or_at)
        .order_by(indexer_blocks.c.number.desc())
    )
    return [Block(r.number, r.hash, r.parent_hash) for r in rows]


def rollback_to(conn: Connection, state: State, ancestor: Block) -> State:
    """Undoes everything above `ancestor` (a reorg): balances lose what the removed transfers
    added and regain what they took (undo is subtraction), history and facts above go."""
    above = conn.execute(
        select(transfers.c.from_address, transfers.c.to_address, transfers.c.value).where(
            transfers.c.block_number > ancestor.number
        )
    ).all()
    deltas, supply = undo(above, state.total_supply)
    removed_batches = conn.execute(
        select(func.count())
        .select_from(batch_events)
        .where(batch_events.c.block_number > ancestor.number)
    ).scalar_one()
    for table in (transfers, batch_events, balance_history, supply_history):
        conn.execute(delete(table).where(table.c.block_number > ancestor.number))
    conn.execute(delete(indexer_blocks).where(indexer_blocks.c.number > ancestor.number))
    if deltas:
        current = current_balances(conn, deltas)
        last_change = _last_change(conn, list(deltas))
        after = undone(current, deltas)
        rows = [(a, b, last_change.get(a, ancestor.number)) for a, b in after.items()]
        _upsert_balances(conn, rows)
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


def _last_change(conn: Connection, addresses: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(addresses), _CHUNK):
        chunk = addresses[start : start + _CHUNK]
        rows = conn.execute(
            select(balance_history.c.address, func.max(balance_history.c.block_number))
            .where(balance_history.c.address.in_(chunk))
            .group_by(balance_history.c.address)
        )
        found.update({a: n for a, n in rows})
    return found


# Secondary indexes that a PostgreSQL backfill drops and builds once when it reaches finality
# (one sort each instead of an insert per row: maintaining them row by row was a large part of
# the database's work). The address indexes of transfers only serve `transfers(filter:
# {address})`; the block indexes of transfers and balance history serve a reorg's undo, which
# never happens below finality (a reorg there stops the indexer); the balance index serves
# holders ordered by balance. Queries stay correct meanwhile (they scan). Never a primary key:
# those keep the data unique and serve balance lookups and the backfill's own reads.
_BULK_LOAD_INDEX_NAMES = (
    "ix_indexer_transfers_from",
    "ix_indexer_transfers_to",
    "ix_indexer_transfers_block",
    "ix_indexer_balance_history_block",
    "ix_indexer_balances_balance",
)
BULK_LOAD_INDEXES = tuple(
    sorted(
        (i for t in ALL for i in t.indexes if i.name in _BULK_LOAD_INDEX_NAMES),
        key=lambda i: _BULK_LOAD_INDEX_NAMES.index(str(i.name)),
    )
)  # largest first
if len(BULK_LOAD_INDEXES) != len(_BULK_LOAD_INDEX_NAMES):
    raise AssertionError("a bulk-load index is not among the indexer's tables")


def missing_bulk_load_indexes(conn: Connection) -> list[str]:
    """The bulk-load indexes that are not there (always none outside PostgreSQL)."""
    if conn.dialect.name != "postgresql":
        return []
    present = set(
        conn.execute(
            text(
                "SELECT indexname FROM pg_indexes "
                "WHERE schemaname = current_schema() AND indexname = ANY(:names)"
            ),
            {"names": list(_BULK_LOAD_INDEX_NAMES)},
        ).scalars()
    )
    return [str(i.name) for i in BULK_LOAD_INDEXES if i.name not in present]


def drop_bulk_load_indexes(conn: Connection) -> None:
    """PostgreSQL only; queries by address stay correct meanwhile (a scan instead)."""
    if conn.dialect.name == "postgresql":
        for index in BULK_LOAD_INDEXES:
            conn.execute(DropIndex(index, if_exists=True))


def create_bulk_load_index(conn: Connection, name: str) -> None:
    """Builds one bulk-load index if it is missing (in the caller's transaction: a crash
    leaves it absent, never half-built)."""
    for index in BULK_LOAD_INDEXES:
        if index.name == name:
            conn.execute(CreateIndex(index, if_not_exists=True))
            return
    raise ValueError(f"not a bulk-load index: {name}")


def create_bulk_load_indexes(conn: Connection) -> list[str]:
    """Builds the bulk-load indexes that are missing, in the caller's transaction; returns
    their names."""
    missing = missing_bulk_load_indexes(conn)
    for name in missing:
        create_bulk_load_index(conn, name)
    return missing


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
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")


def record_head(conn: Connection, head: int, finalized: int) -> None:
    """Head and finality as last seen, for indexerStatus when there is nothing to index."""
    conn.execute(
        update(indexer_state)
        .where(indexer_state.c.id == 1)
        .values(head_block=head, finalized_block=finalized, updated_at=_now())
    )

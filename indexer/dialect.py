"""Where the indexer's bulk writes differ between PostgreSQL and SQLite, behind one function
each: the store says what it writes, these say how.

PostgreSQL gets COPY and statements over arrays (several times faster than executemany for a
backfill); SQLite, the single-machine default, gets executemany and INSERT … ON CONFLICT.
Arrays go as text literals: psycopg's per-item dumping of Decimal lists cost more than the
statement itself. Addresses are hex and numbers digits: nothing to quote."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from indexer.decode import Transfer
from indexer.errors import ConcurrentWriter, NodeInconsistent
from indexer.tables import amount_literal, balance_history, balances, digests, transfers

CHUNK = 900  # bound on bind parameters per IN (...) for SQLite

BalanceRow = tuple[str, int, int]  # (address, balance, block of its last change)

_TRANSFER_COLUMNS = ("tx_hash", "log_index", "block_number", "from_address", "to_address", "value")
_HISTORY_COLUMNS = ("address", "block_number", "balance")
_DIGEST_COLUMNS = ("block_number", "digest", "changes")


def is_postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def array_literal(items: Iterable[str]) -> str:
    """A PostgreSQL array literal of items that need no quoting (hex addresses, digits)."""
    return "{" + ",".join(items) + "}"


def insert_transfers(
    conn: Connection,
    rows: Sequence[Transfer],
    history: dict[tuple[str, int], int],
) -> None:
    """A range's transfers and the balance history they make ((address, block) -> balance)."""
    if is_postgresql(conn):
        # COPY text built here in one piece: psycopg's write_row (a Python call and a
        # dumper per value) cost more than all the rest of a range's Python work.
        _copy_text(
            conn,
            transfers,
            _TRANSFER_COLUMNS,
            sorted(
                f"{tx_hash}\t{log_index}\t{number}\t{frm}\t{to}\t{value}\n"
                for number, _hash, tx_hash, log_index, frm, to, value in rows
            ),
        )
        _copy_text(
            conn,
            balance_history,
            _HISTORY_COLUMNS,
            sorted(f"{a}\t{n}\t{b}\n" for (a, n), b in history.items()),
        )
        return
    _insert_many(
        conn,
        transfers,
        _TRANSFER_COLUMNS,
        [
            (
                t.tx_hash,
                t.log_index,
                t.block_number,
                t.from_address,
                t.to_address,
                amount_literal(t.value, "sqlite"),
            )
            for t in rows
        ],
    )
    _insert_many(
        conn,
        balance_history,
        _HISTORY_COLUMNS,
        [(a, n, amount_literal(b, "sqlite")) for (a, n), b in history.items()],
    )


def insert_digests(conn: Connection, rows: Sequence[tuple[int, str, int]]) -> None:
    """A range's digest rows (block, digest, changes): COPY on PostgreSQL (the backfill writes
    one per block that changed a balance), executemany on SQLite."""
    if not rows:
        return
    if is_postgresql(conn):
        _copy_text(conn, digests, _DIGEST_COLUMNS, [f"{n}\t{d}\t{c}\n" for n, d, c in rows])
        return
    _insert_many(conn, digests, _DIGEST_COLUMNS, list(rows))


def write_balances(conn: Connection, rows: list[BalanceRow], stored: set[str]) -> None:
    """A range's balances; `stored` are the addresses known to have a row already.

    PostgreSQL: an UPDATE joined to arrays for the addresses that have a row, a plain INSERT
    for the others (the range knows which: it read or remembered every stored balance it
    touched). About a quarter less of the database's time than one INSERT … ON CONFLICT DO
    UPDATE, which probes for a conflict and locks each row first. A row missing or present
    against that knowledge fails the range (ConcurrentWriter or IntegrityError; nothing is
    stored). SQLite: an upsert."""
    if not is_postgresql(conn):
        upsert_balances(conn, rows)
        return
    changed = [r for r in rows if r[0] in stored]
    new = [r for r in rows if r[0] not in stored]
    if changed:
        result = conn.exec_driver_sql(
            "UPDATE indexer_balances AS b SET balance = u.balance, block_number = u.block_number "
            "FROM unnest(%s::varchar[], %s::numeric[], %s::bigint[]) "
            "AS u(address, balance, block_number) WHERE b.address = u.address",
            _arrays(changed),
        )
        if result.rowcount != len(changed):
            raise ConcurrentWriter(
                f"{len(changed) - result.rowcount} balance rows vanished: another writer?"
            )
    if new:
        conn.exec_driver_sql(
            "INSERT INTO indexer_balances (address, balance, block_number) "
            "SELECT * FROM unnest(%s::varchar[], %s::numeric[], %s::bigint[])",
            _arrays(new),
        )


def upsert_balances(conn: Connection, rows: list[BalanceRow]) -> None:
    """Inserts or updates balance rows whether or not they exist: a reorg's undo (either
    dialect) and a range's balances on SQLite."""
    if not rows:
        return
    if is_postgresql(conn):
        # One statement over arrays: several times faster than executemany.
        conn.exec_driver_sql(
            "INSERT INTO indexer_balances (address, balance, block_number) "
            "SELECT * FROM unnest(%s::varchar[], %s::numeric[], %s::bigint[]) "
            "ON CONFLICT (address) DO UPDATE SET balance = excluded.balance, "
            "block_number = excluded.block_number",
            _arrays(rows),
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


def synchronous_commit_off(conn: Connection) -> None:
    """PostgreSQL: this transaction's COMMIT returns before its WAL is flushed (a no-op
    elsewhere; see store.commit_without_waiting_for_disk for when that is safe)."""
    if is_postgresql(conn):
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")


def _arrays(rows: list[BalanceRow]) -> tuple[str, str, str]:
    return (
        array_literal(r[0] for r in rows),
        array_literal(str(r[1]) for r in rows),
        array_literal(str(r[2]) for r in rows),
    )


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

"""Writes held back until the end of a transaction and then sent as one statement per kind.

The inbox applies many activities in one transaction; each posts an entry, and with it a chain
request, the member's new totals and the member's tier. Sent one by one that is three round
trips per activity for rows nothing in the transaction reads back, and a member seen twice in a
batch has its totals and tier written twice. Held here instead, they go out at the end as one
multi-row INSERT, one UPDATE per set of columns and one upsert (each keyed write keeps only its
last values), inside the same transaction: what commits is what the writes one by one would
have left.

Correctness does not depend on the callers knowing what they may read: the transaction's
connection is watched, and any other statement that names a table with held writes (a read of
`members`, an UPDATE somewhere else) flushes them first. `members` keeps the latest state of
each member this transaction wrote through here, so a second activity of the member reads it
from memory instead of the table; a flush forced by another statement drops it (someone else
touched the rows).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.selectable import Join
from sqlalchemy.sql.util import find_tables

from loyalty.db.ledger import members

_fresh_keys = itertools.count()


class WriteBehind:
    """Held writes of one transaction on one connection (see the module doc)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        # id(statement) -> (statement, {key: row}); insertion order is the flush order.
        self._groups: dict[int, tuple[UpdateBase, dict[Hashable, dict[str, Any]]]] = {}
        self._tables: set[Any] = set()
        self._verdicts: dict[int, tuple[object, frozenset[str | None]]] = {}
        self._flushing = False
        # member_id -> the member's latest state written through here (its totals are held);
        # member pk -> since when its tier movements were read (loyalty.services.activities).
        self.members: dict[str, Any] = {}
        self.windows: dict[int, datetime] = {}
        event.listen(conn.sync_connection, "before_execute", self._before_execute)

    def add(self, statement: UpdateBase, row: dict[str, Any], *, key: Hashable = None) -> None:
        """Holds one execution of `statement` (built once, run with parameters). With a `key`,
        a later row of the same key and statement replaces the columns it names."""
        group = self._groups.get(id(statement))
        if group is None:
            group = self._groups[id(statement)] = (statement, {})
            self._tables.add(statement.table)
        rows = group[1]
        if key is None:
            rows[("row", next(_fresh_keys))] = row
        else:
            rows[key] = {**rows[key], **row} if key in rows else row

    def __bool__(self) -> bool:
        return bool(self._groups)

    async def flush(self) -> None:
        """Sends every held write now (before the commit, or before a read that needs them)."""
        if self._groups:
            await self._conn.run_sync(self._flush)

    async def close(self) -> None:
        """Flushes, and stops watching the connection."""
        try:
            await self.flush()
        finally:
            event.remove(self._conn.sync_connection, "before_execute", self._before_execute)

    def discard(self) -> None:
        """Stops watching the connection, sending nothing (the transaction rolls back)."""
        self._groups, self._tables = {}, set()
        event.remove(self._conn.sync_connection, "before_execute", self._before_execute)

    def _flush(self, conn: Connection) -> None:
        groups, self._groups, self._tables = self._groups, {}, set()
        self._flushing = True
        try:
            for statement, keyed in groups.values():
                # executemany wants one set of columns per call.
                by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
                for row in keyed.values():
                    by_columns.setdefault(tuple(sorted(row)), []).append(row)
                for rows in by_columns.values():
                    conn.execute(statement, rows)
        finally:
            self._flushing = False

    def _before_execute(self, conn: Connection, clause: Any, *_args: Any) -> None:
        if self._flushing or not (self._groups or self.members) or not self._touches(clause):
            return
        if self._groups:
            self._flush(conn)
        self.members.clear()

    def _touches(self, clause: Any) -> bool:
        """Whether `clause` names a table with held writes (a plain SQL string: assumed so)."""
        if not isinstance(clause, ClauseElement):
            return True
        known = self._verdicts.get(id(clause))
        if known is not None and known[0] is clause:
            names = known[1]
        else:
            # Subqueries are traversed too; an alias counts as the table it aliases.
            found = find_tables(clause, include_aliases=True, include_joins=True, include_crud=True)
            names = frozenset(
                getattr(getattr(t, "original", t), "name", None)
                for t in found
                if not isinstance(t, Join)  # its sides are found too
            )
            self._verdicts[id(clause)] = (clause, names)  # kept alive: its id stays its own
        watched = {t.name for t in self._tables} | ({members.name} if self.members else set())
        return None in names or not watched.isdisjoint(names)

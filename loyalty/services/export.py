"""Members and the ledger as rows for `loyalty export` and the HTTP download (issue 16, item 5):
read in keyset batches by row id (BATCH rows a statement, never OFFSET, never the whole table in
memory), so an export of 1,000,000 rows holds one batch at a time. The statements and the rows
are built once here and read two ways: synchronously (the CLI streams to stdout) and on an
async connection (api.export streams the HTTP response), so both give the same content.

Filters are the GraphQL lists' own (loyalty.services.member_list.AccountFilter,
loyalty.services.ledger_list.TransactionFilter), checked the same way; the order stays the row
id, which the keyset needs (a selective filter reads the table in id order until a batch fills).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import ledger_entries, members, orders
from loyalty.db.program import member_contacts, member_tiers
from loyalty.db.times import utc
from loyalty.services.ledger_list import TransactionFilter, entry_conditions
from loyalty.services.member_list import AccountFilter, member_conditions

BATCH = 1000
FORMATS = ("csv", "ndjson")

MEMBER_FIELDS = (
    "memberId",
    "email",
    "walletAddress",
    "custodialAddress",
    "balance",
    "earned",
    "adjusted",
    "redeemed",
    "expired",
    "reversed",
    "debt",
    "tierId",
    "lastActivityDate",
    "createdDate",
)
TRANSACTION_FIELDS = (
    "id",
    "memberId",
    "type",
    "amount",
    "balanceChange",
    "balanceAfter",
    "ruleId",
    "campaignId",
    "orderId",
    "description",
    "createdDate",
)


def _when(value: datetime | None) -> str | None:
    aware = utc(value)
    return aware.isoformat() if aware is not None else None


def members_query(f: AccountFilter | None = None, *, batch: int = BATCH) -> Select[Any]:
    """One batch of members (add `members.c.id > last`); `f` normalized, its tier known."""
    m = members.c
    return (
        select(members, member_contacts.c.email, member_tiers.c.tier_id)
        .select_from(
            members.outerjoin(
                member_contacts, member_contacts.c.member_id == m.member_id
            ).outerjoin(member_tiers, member_tiers.c.member_pk == m.id)
        )
        .where(*(member_conditions(f) if f is not None else ()))
        .order_by(m.id)
        .limit(batch)
    )


def member_record(r: Any) -> dict[str, Any]:
    return {
        "memberId": r.member_id,
        "email": r.email,
        "walletAddress": r.wallet_address,
        "custodialAddress": r.custodial_address,
        "balance": r.earned + r.adjusted - r.redeemed - r.expired - r.reversed,
        "earned": r.earned,
        "adjusted": r.adjusted,
        "redeemed": r.redeemed,
        "expired": r.expired,
        "reversed": r.reversed,
        "debt": r.debt,
        "tierId": r.tier_id,
        "lastActivityDate": _when(r.last_activity_at),
        "createdDate": _when(r.created_at),
    }


def transactions_query(
    f: TransactionFilter | None = None, member_pk: int | None = None, *, batch: int = BATCH
) -> Select[Any]:
    """One batch of ledger entries (add `ledger_entries.c.id > last`), in ledger order."""
    e = ledger_entries.c
    return (
        select(ledger_entries, members.c.member_id, orders.c.order_key)
        .select_from(
            ledger_entries.join(members, members.c.id == e.member_pk).outerjoin(
                orders, orders.c.id == e.order_pk
            )
        )
        .where(*(entry_conditions(f, member_pk) if f is not None else ()))
        .order_by(e.id)
        .limit(batch)
    )


def transaction_record(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "memberId": r.member_id,
        "type": r.type,
        "amount": r.points,
        "balanceChange": r.delta,
        "balanceAfter": r.balance_after,
        "ruleId": r.rule_id,
        "campaignId": r.campaign_id,
        "orderId": r.order_key,
        "description": r.description,
        "createdDate": _when(r.created_at),
    }


def _window(start: datetime | None, end: datetime | None) -> TransactionFilter | None:
    if start is None and end is None:
        return None
    return TransactionFilter(start=start, end=end)


def _batches(conn: Connection, query: Select[Any], key: Any, batch: int) -> Iterator[list[Any]]:
    last = 0
    while True:
        rows = list(conn.execute(query.where(key > last)).all())
        if rows:
            yield rows
        if len(rows) < batch:
            return
        last = rows[-1].id


async def batches(
    conn: AsyncConnection, query: Select[Any], key: Any, batch: int = BATCH
) -> AsyncIterator[list[Any]]:
    """`_batches` on an async connection."""
    last = 0
    while True:
        rows = list((await conn.execute(query.where(key > last))).all())
        if rows:
            yield rows
        if len(rows) < batch:
            return
        last = rows[-1].id


def member_rows(conn: Connection, *, batch: int = BATCH) -> Iterator[dict[str, Any]]:
    for rows in _batches(conn, members_query(batch=batch), members.c.id, batch):
        yield from map(member_record, rows)


def transaction_rows(
    conn: Connection,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    batch: int = BATCH,
) -> Iterator[dict[str, Any]]:
    """Ledger order; `start` inclusive, `end` exclusive (created time)."""
    query = transactions_query(_window(start, end), batch=batch)
    for rows in _batches(conn, query, ledger_entries.c.id, batch):
        yield from map(transaction_record, rows)


class Encoder:
    """Rows as the lines of a CSV (a header first) or NDJSON document, one string at a time."""

    def __init__(self, fields: Iterable[str], fmt: str) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r}")
        self.fields = tuple(fields)
        self.fmt = fmt
        self._buffer = io.StringIO()
        self._csv = csv.DictWriter(self._buffer, fieldnames=self.fields, lineterminator="\n")

    def _take(self) -> str:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text

    def header(self) -> str:
        if self.fmt != "csv":
            return ""
        self._csv.writeheader()
        return self._take()

    def rows(self, rows: Iterable[dict[str, Any]]) -> str:
        if self.fmt == "ndjson":
            return "".join(
                json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows
            )
        self._csv.writerows(rows)
        return self._take()

"""Members and the ledger as rows for `loyalty export` (issue 16, item 5): read in keyset
batches by row id (BATCH rows a statement, never OFFSET, never the whole table in memory), so an
export of 1,000,000 rows holds one batch at a time. Synchronous: the CLI streams to stdout."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from loyalty.db.ledger import ledger_entries, members, orders
from loyalty.db.program import member_contacts, member_tiers
from loyalty.db.times import utc

BATCH = 1000

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


def member_rows(conn: Connection, *, batch: int = BATCH) -> Iterator[dict[str, Any]]:
    m = members.c
    query = (
        select(members, member_contacts.c.email, member_tiers.c.tier_id)
        .select_from(
            members.outerjoin(
                member_contacts, member_contacts.c.member_id == m.member_id
            ).outerjoin(member_tiers, member_tiers.c.member_pk == m.id)
        )
        .order_by(m.id)
        .limit(batch)
    )
    last = 0
    while True:
        rows = conn.execute(query.where(m.id > last)).all()
        for r in rows:
            yield {
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
        if len(rows) < batch:
            return
        last = rows[-1].id


def transaction_rows(
    conn: Connection,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    batch: int = BATCH,
) -> Iterator[dict[str, Any]]:
    """Ledger order; `start` inclusive, `end` exclusive (created time)."""
    e = ledger_entries.c
    query = (
        select(ledger_entries, members.c.member_id, orders.c.order_key)
        .select_from(
            ledger_entries.join(members, members.c.id == e.member_pk).outerjoin(
                orders, orders.c.id == e.order_pk
            )
        )
        .order_by(e.id)
        .limit(batch)
    )
    if start is not None:
        query = query.where(e.created_at >= start)
    if end is not None:
        query = query.where(e.created_at < end)
    last = 0
    while True:
        rows = conn.execute(query.where(e.id > last)).all()
        for r in rows:
            yield {
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
        if len(rows) < batch:
            return
        last = rows[-1].id

"""Where a ledger entry's tokens are on chain: its chain request (one per entry that changed the
balance) and the batch that carries it (batch id, transaction hash, block), for the program-wide
`transactions` list. One statement for a page of entries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.outbox import FINAL, chain_requests
from minter.tables import mint_batches


@dataclass(frozen=True)
class EntryChainStatus:
    request_id: int
    kind: str  # MINT | BURN
    amount: int
    address: str
    status: str  # PENDING | BATCHED | FINAL | REFUSED (loyalty.db.outbox)
    batch: int | None  # mint_batches row id
    batch_id: str | None  # the on-chain bytes32 batch id
    batch_status: str | None  # PENDING | SENT | INCLUDED | FINAL | NETTED
    tx_hash: str | None  # None while unsent, and for a NETTED batch (settled with no transaction)
    block_number: int | None
    error: str | None  # why the token refused it, or the batch's last error

    @property
    def final(self) -> bool:
        return self.status == FINAL


async def chain_status_of_entries(
    conn: AsyncConnection, entry_ids: Sequence[int]
) -> dict[int, EntryChainStatus]:
    """The chain status of each entry that has a chain request, by entry id (an entry that moved
    no tokens has none)."""
    wanted = sorted(set(entry_ids))
    if not wanted:
        return {}
    r, b = chain_requests.c, mint_batches.c
    rows = (
        await conn.execute(
            select(
                r.id,
                r.ledger_entry_id,
                r.kind,
                r.amount,
                r.address,
                r.status,
                r.batch_id.label("batch"),
                r.last_error,
                b.batch_id,
                b.status.label("batch_status"),
                b.tx_hash,
                b.block_number,
                b.last_error.label("batch_error"),
            )
            .select_from(chain_requests.outerjoin(mint_batches, b.id == r.batch_id))
            .where(r.ledger_entry_id.in_(wanted))
            .order_by(r.id)
        )
    ).all()
    found: dict[int, EntryChainStatus] = {}
    for row in rows:
        found[int(row.ledger_entry_id)] = EntryChainStatus(
            request_id=int(row.id),
            kind=row.kind,
            amount=int(row.amount),
            address=row.address,
            status=row.status,
            batch=None if row.batch is None else int(row.batch),
            batch_id=row.batch_id,
            batch_status=row.batch_status,
            tx_hash=row.tx_hash,
            block_number=None if row.block_number is None else int(row.block_number),
            error=row.last_error or (row.batch_error if row.status != FINAL else None),
        )
    return found

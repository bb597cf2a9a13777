"""An operator's way out of a refusal: sending a REFUSED request again, once.

A refused burn is never retried by the minter (docs/chain.md). When the member has brought the
points back to their address, an admin re-queues the request (GraphQL
`requeueRefusedChainRequest`): it is PENDING again, in no batch, and the minter batches it like
any new request; if the token still refuses it, it is REFUSED again, in a new refused batch. The
refused batch it leaves keeps its row, its recipients and total recomputed from the requests
still refused in it (none: 0 and 0), so the audit keeps reading what is still off chain.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.outbox import PENDING, REFUSED, chain_requests
from loyalty.domain.errors import InvalidInput, NotFound
from minter.batching import Request, batch_entries, gross
from minter.tables import mint_batches


async def requeue_refused(conn: AsyncConnection, request_id: int, now: dt.datetime) -> None:
    """Re-queues the REFUSED request `request_id`, inside the caller's transaction. NotFound
    for an unknown request; InvalidInput (naming `id`) for one that is not REFUSED."""
    query = select(chain_requests).where(chain_requests.c.id == request_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFound(f"chain request {request_id} not found")
    if row.status != REFUSED:
        raise InvalidInput(
            f"chain request {request_id} is {row.status}, not REFUSED: nothing to re-queue",
            field="id",
        )
    reason = (row.last_error or "").removeprefix("refused by the token: ")
    await conn.execute(
        update(chain_requests)
        .where(chain_requests.c.id == request_id)
        .values(
            status=PENDING,
            batch_id=None,
            last_error=f"re-queued by an operator; was refused: {reason}"[:2000],
            updated_at=now,
        )
    )
    if row.batch_id is None:
        return
    batch = (
        await conn.execute(select(mint_batches.c.kind).where(mint_batches.c.id == row.batch_id))
    ).one()
    left = (
        await conn.execute(
            select(chain_requests)
            .where(chain_requests.c.batch_id == row.batch_id)
            .order_by(chain_requests.c.id)
        )
    ).all()
    entries = batch_entries(
        batch.kind,
        [Request(r.id, r.kind, r.address.lower(), int(r.amount), now) for r in left],
    )
    await conn.execute(
        update(mint_batches)
        .where(mint_batches.c.id == row.batch_id)
        .values(recipients=len(entries), total=gross(entries), updated_at=now)
    )

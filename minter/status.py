"""What the minter is doing, read from the database (for `mintingStatus` and operators)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Numeric, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.outbox import BATCHED, FINAL, MINT, PENDING, chain_requests
from loyalty.db.times import utc as _aware
from minter.tables import BATCH_STATUSES, SETTLED_STATUSES, mint_batches, minter_txs


@dataclass(frozen=True)
class LastError:
    batch: int
    batch_id: str | None
    message: str
    at: dt.datetime
    retry_at: dt.datetime | None


@dataclass(frozen=True)
class MintingStatus:
    outbox_depth: int  # requests not yet final
    pending_requests: int  # not in a transaction in flight
    batched_requests: int  # in a transaction in flight, or mined and not yet final
    pending_points: int  # signed net of the requests not yet final (mints minus burns)
    oldest_unfinished: dt.datetime | None
    batches: dict[str, int]
    transactions: dict[str, int]
    last_error: LastError | None
    gas_used: int
    gas_spent_wei: int


async def minting_status(conn: AsyncConnection) -> MintingStatus:
    signed = case(
        (chain_requests.c.kind == MINT, chain_requests.c.amount), else_=-chain_requests.c.amount
    )
    requests: dict[str, int] = dict(
        (
            await conn.execute(
                select(chain_requests.c.status, func.count())
                .where(chain_requests.c.status != FINAL)
                .group_by(chain_requests.c.status)
            )
        ).all()
    )
    points, oldest = (
        await conn.execute(
            select(func.coalesce(func.sum(signed), 0), func.min(chain_requests.c.created_at)).where(
                chain_requests.c.status != FINAL
            )
        )
    ).one()
    batches: dict[str, int] = dict(
        (
            await conn.execute(
                select(mint_batches.c.status, func.count()).group_by(mint_batches.c.status)
            )
        ).all()
    )
    transactions: dict[str, int] = dict(
        (
            await conn.execute(
                select(minter_txs.c.state, func.count()).group_by(minter_txs.c.state)
            )
        ).all()
    )
    gas_used, spent = (
        await conn.execute(
            select(
                func.coalesce(func.sum(minter_txs.c.gas_used), 0),
                func.coalesce(
                    func.sum(
                        cast(minter_txs.c.gas_used, Numeric(78, 0))
                        * minter_txs.c.effective_gas_price
                    ),
                    0,
                ),
            ).where(minter_txs.c.gas_used.is_not(None))
        )
    ).one()
    # The last error still standing: a batch not yet settled that carries one.
    row = (
        await conn.execute(
            select(mint_batches)
            .where(
                mint_batches.c.status.not_in(SETTLED_STATUSES),
                mint_batches.c.last_error.is_not(None),
            )
            .order_by(mint_batches.c.updated_at.desc(), mint_batches.c.id.desc())
            .limit(1)
        )
    ).first()
    last_error = None
    if row is not None:
        at = _aware(row.updated_at)
        assert at is not None
        last_error = LastError(row.id, row.batch_id, row.last_error, at, _aware(row.retry_at))
    return MintingStatus(
        outbox_depth=sum(int(n) for n in requests.values()),
        pending_requests=int(requests.get(PENDING, 0)),
        batched_requests=int(requests.get(BATCHED, 0)),
        pending_points=int(points),
        oldest_unfinished=_aware(oldest),
        batches={s: int(batches.get(s, 0)) for s in BATCH_STATUSES},
        transactions={str(k): int(v) for k, v in transactions.items()},
        last_error=last_error,
        gas_used=int(gas_used),
        gas_spent_wei=int(spent),
    )

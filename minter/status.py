"""What the minter is doing, read from the database (for `mintingStatus` and operators)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Numeric, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.outbox import BATCHED, MINT, PENDING, REFUSED, SETTLED, chain_requests
from loyalty.db.times import utc as _aware
from minter.tables import B_FINAL, BATCH_STATUSES, SETTLED_STATUSES, mint_batches, minter_txs

# How many refused requests `mintingStatus` lists (newest first); the counts cover them all.
REFUSED_LISTED = 50
SETTLE_KIND = "SETTLE"  # minter.batching.SETTLE (batching imports more than a status read needs)


@dataclass(frozen=True)
class LastError:
    batch: int
    batch_id: str | None
    message: str
    at: dt.datetime
    retry_at: dt.datetime | None


@dataclass(frozen=True)
class RefusedRequest:
    """A chain request the token refused for its address: settled, never sent again."""

    id: int
    member_id: str | None
    kind: str  # MINT | BURN
    address: str
    amount: int
    reason: str  # the decoded revert, e.g. ERC20InsufficientBalance('0x…', 60, 100)
    batch: int | None  # the REFUSED batch holding it
    at: dt.datetime


@dataclass(frozen=True)
class MintingStatus:
    outbox_depth: int  # requests not yet settled (neither final nor refused)
    pending_requests: int  # not in a transaction in flight
    batched_requests: int  # in a transaction in flight, or mined and not yet final
    pending_points: int  # signed net of the requests not yet final (mints minus burns)
    oldest_unfinished: dt.datetime | None
    batches: dict[str, int]
    transactions: dict[str, int]
    last_error: LastError | None
    gas_used: int
    gas_spent_wei: int
    refused_requests: int = 0
    refused_points: int = 0  # signed sum of the refused requests (mints minus burns)
    refused: tuple[RefusedRequest, ...] = ()  # the newest REFUSED_LISTED of them


def _signed() -> Any:
    return case(
        (chain_requests.c.kind == MINT, chain_requests.c.amount), else_=-chain_requests.c.amount
    )


def _refused_request(row: Any) -> RefusedRequest:
    at = _aware(row.updated_at)
    assert at is not None
    return RefusedRequest(
        id=int(row.id),
        member_id=row.member_id,
        kind=row.kind,
        address=row.address.lower(),
        amount=int(row.amount),
        reason=(row.last_error or "").removeprefix("refused by the token: "),
        batch=None if row.batch_id is None else int(row.batch_id),
        at=at,
    )


async def refused_requests(
    conn: AsyncConnection, *, member_id: str | None = None, limit: int = REFUSED_LISTED
) -> list[RefusedRequest]:
    """Refused requests, newest first (of one member when `member_id` is given)."""
    query = select(chain_requests).where(chain_requests.c.status == REFUSED)
    if member_id is not None:
        query = query.where(chain_requests.c.member_id == member_id)
    rows = await conn.execute(query.order_by(chain_requests.c.id.desc()).limit(limit))
    return [_refused_request(r) for r in rows.all()]


async def refused_points(conn: AsyncConnection, member_id: str) -> int:
    """The signed sum of a member's refused requests (a refused burn counts negative)."""
    total = (
        await conn.execute(
            select(func.coalesce(func.sum(_signed()), 0)).where(
                chain_requests.c.member_id == member_id, chain_requests.c.status == REFUSED
            )
        )
    ).scalar_one()
    return int(total)


async def minting_status(conn: AsyncConnection) -> MintingStatus:
    signed = _signed()
    requests: dict[str, int] = dict(
        (
            await conn.execute(
                select(chain_requests.c.status, func.count())
                .where(chain_requests.c.status.not_in(SETTLED))
                .group_by(chain_requests.c.status)
            )
        ).all()
    )
    points, oldest = (
        await conn.execute(
            select(func.coalesce(func.sum(signed), 0), func.min(chain_requests.c.created_at)).where(
                chain_requests.c.status.not_in(SETTLED)
            )
        )
    ).one()
    refused_count, refused_sum = (
        await conn.execute(
            select(func.count(), func.coalesce(func.sum(signed), 0)).where(
                chain_requests.c.status == REFUSED
            )
        )
    ).one()
    refused = await refused_requests(conn) if refused_count else []
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
        refused_requests=int(refused_count),
        refused_points=int(refused_sum),
        refused=tuple(refused),
    )


@dataclass(frozen=True)
class CommittedBatch:
    """The newest SETTLE batch final on chain: the ledger root the token accepted with it."""

    batch: int  # its row id, as in mintingStatus
    batch_id: str
    root: str  # 0x + 64 hex digits
    tx_hash: str
    block_number: int


async def latest_committed(conn: AsyncConnection) -> CommittedBatch | None:
    """None while no settle batch is final (a token without `settle`, or LOYALTY_MINTER_COMMIT
    off)."""
    b = mint_batches.c
    row = (
        await conn.execute(
            select(b.id, b.batch_id, b.root, b.tx_hash, b.block_number)
            .where(b.kind == SETTLE_KIND, b.status == B_FINAL, b.root.is_not(None))
            .order_by(b.id.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    return CommittedBatch(row.id, row.batch_id, row.root, row.tx_hash, int(row.block_number))

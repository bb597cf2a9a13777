"""`mintingStatus`: the minter's state for admins (outbox depth, batches, last error, gas, and
the requests the token refused)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from api.auth import require_admin, require_auditor
from api.context import Context
from api.schema.scalars import BigInt, Long
from minter.requeue import requeue_refused
from minter.status import RefusedRequest, minting_status


@strawberry.type
class StatusCount:
    status: str
    count: int


@strawberry.type(description="The newest error of a batch that is not final yet.")
class MintingError:
    batch: Long = strawberry.field(description="the batch's row id")
    batch_id: str | None = strawberry.field(description="the on-chain bytes32 batch id")
    message: str
    at: datetime
    retry_at: datetime | None = strawberry.field(description="when it is tried again")


@strawberry.type(
    description=(
        "A chain request the token refused for its address (e.g. a burn the address can no "
        "longer cover): taken out of its batch so the others went on, never sent again. A "
        "refused burn's points stay taken in the ledger: the member owes them on chain."
    )
)
class RefusedChainRequest:
    id: Long = strawberry.field(description="the request's row id")
    member_id: str | None
    kind: str = strawberry.field(description="MINT, BURN or SETTLE (mints and burns in one call)")
    address: str
    amount: Long
    reason: str = strawberry.field(
        description="the token's decoded revert, e.g. ERC20InsufficientBalance('0x…', 60, 100)"
    )
    batch: Long | None = strawberry.field(description="the REFUSED batch's row id")
    refused_at: datetime

    @classmethod
    def of(cls, r: RefusedRequest) -> RefusedChainRequest:
        return cls(
            id=Long(r.id),
            member_id=r.member_id,
            kind=r.kind,
            address=r.address,
            amount=Long(r.amount),
            reason=r.reason,
            batch=None if r.batch is None else Long(r.batch),
            refused_at=r.at,
        )


@strawberry.type(description="What the minter is doing.")
class MintingStatus:
    outbox_depth: int = strawberry.field(
        description="requests not yet settled (neither final on chain nor refused)"
    )
    pending_requests: int = strawberry.field(description="requests waiting to be sent")
    batched_requests: int = strawberry.field(description="requests in flight or awaiting finality")
    pending_points: BigInt = strawberry.field(description="net points not yet final (mint - burn)")
    oldest_unfinished_at: datetime | None
    batches: list[StatusCount] = strawberry.field(description="batches by state")
    transactions: list[StatusCount] = strawberry.field(description="signed transactions by state")
    last_error: MintingError | None
    gas_used: BigInt
    gas_spent_wei: BigInt = strawberry.field(description="sum of gas used x effective gas price")
    refused_requests: int = strawberry.field(description="requests the token refused (REFUSED)")
    refused_points: BigInt = strawberry.field(
        description="signed sum of the refused requests (mints minus burns)"
    )
    refused: list[RefusedChainRequest] = strawberry.field(
        description="the newest 50 refused requests, newest first"
    )


@strawberry.type
class MintingQuery:
    @strawberry.field(description="The minter's state (admins and auditors).")
    async def minting_status(self, info: Info[Context, None]) -> MintingStatus:
        require_auditor(info.context.principal)
        async with info.context.connection() as conn:
            s = await minting_status(conn)
        error = None
        if s.last_error is not None:
            e = s.last_error
            error = MintingError(
                batch=Long(e.batch),
                batch_id=e.batch_id,
                message=e.message,
                at=e.at,
                retry_at=e.retry_at,
            )
        return MintingStatus(
            outbox_depth=s.outbox_depth,
            pending_requests=s.pending_requests,
            batched_requests=s.batched_requests,
            pending_points=BigInt(s.pending_points),
            oldest_unfinished_at=s.oldest_unfinished,
            batches=[StatusCount(status=k, count=v) for k, v in s.batches.items()],
            transactions=[
                StatusCount(status=k, count=v) for k, v in sorted(s.transactions.items())
            ],
            last_error=error,
            gas_used=BigInt(s.gas_used),
            gas_spent_wei=BigInt(s.gas_spent_wei),
            refused_requests=s.refused_requests,
            refused_points=BigInt(s.refused_points),
            refused=[RefusedChainRequest.of(r) for r in s.refused],
        )


@strawberry.type
class MintingMutation:
    @strawberry.mutation(
        description=(
            "Sends a REFUSED chain request again, once (admins only): for when the member has "
            "brought the points back to their address. It is PENDING again and batched like a "
            "new request; refused again, it is REFUSED again. NOT_FOUND for an unknown id, "
            "VALIDATION for a request that is not REFUSED."
        )
    )
    async def requeue_refused_chain_request(self, info: Info[Context, None], id: Long) -> Long:
        require_admin(info.context.principal)
        uow = info.context.runtime.unit_of_work()
        async with uow:
            await requeue_refused(uow.conn, int(id), uow.clock.now())
        return id

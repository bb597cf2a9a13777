"""GraphQL subscriptions over WebSocket (graphql-transport-ws at /graphql):
`accountUpdated(memberId)` and `transfers(address)`, with the same access rules as the queries
(an account: the member themself or an admin/auditor; transfers: public, as the query is)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from api.auth import require_member_or_admin
from api.context import Context
from api.errors import ApiError
from api.live_events import Hub, Overflow, account_fingerprint
from api.schema.accounts import LoyaltyAccount, load_account
from api.schema.chain import TokenTransfer, _address
from api.schema.scalars import BigInt, Long
from loyalty.services.members import check_member_id


class SubscriptionLagging(ApiError):
    code = "LIMIT_EXCEEDED"


def _hub(info: Info[Context, None]) -> Hub:
    hub = info.context.events
    if hub is None:  # pragma: no cover - the app always sets it
        raise ApiError("live events are not available in this process")
    return hub


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The member's account each time it changes: a ledger entry (earned, "
        "redeemed, adjusted, expired …), a mint or burn becoming final, or one being indexed. "
        "Quick successive changes may arrive as one update. The member themself or an admin."
    )
    async def account_updated(
        self, info: Info[Context, None], member_id: str
    ) -> AsyncGenerator[LoyaltyAccount, None]:
        require_member_or_admin(info.context.principal, member_id)
        check_member_id(member_id)
        sent: tuple[object, ...] | None = None  # the fingerprint of the last update sent
        async with _hub(info).account_changes(member_id) as changes:
            while True:
                await changes.get()
                # One read connection per event, given back once the event is sent; the
                # fingerprint and every field of the account read one snapshot of it (the
                # event's reads are one read transaction, api.context.Reads).
                async with info.context.event_reads():
                    async with info.context.connection() as conn:
                        now = await account_fingerprint(conn, member_id)
                    if now is not None and now == sent:
                        # A change an update sent already showed (it was read after the
                        # change, before the hub saw it): nothing new to send.
                        continue
                    sent = now
                    yield await load_account(info, member_id)

    @strawberry.subscription(
        description="Each transfer from or to the address as soon as the indexer stores it "
        "(not yet final: a reorg may take it back, see indexerStatus.reorgsHandled)."
    )
    async def transfers(
        self, info: Info[Context, None], address: str
    ) -> AsyncGenerator[TokenTransfer, None]:
        wanted = _address(address)
        async with _hub(info).transfers(wanted) as feed:
            while True:
                try:
                    t = await feed.get()
                except Overflow as exc:
                    raise SubscriptionLagging(f"{exc}: subscribe again") from None
                yield TokenTransfer(
                    tx_hash=t.tx_hash,
                    log_index=t.log_index,
                    block_number=Long(t.block_number),
                    from_address=t.from_address,
                    to_address=t.to_address,
                    value=BigInt(t.value),
                )

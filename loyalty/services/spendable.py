"""What a member can spend when their points sit at their own wallet on a transferable token.

The ledger balance says what the member was given; the chain says what their wallet holds, and
a member holding their own keys can move points away from it at any time. A burn planned for
more than the wallet holds would be refused by the token (ERC20InsufficientBalance), so every
burn (redemption, expiry, reversal, adjustment) is planned against `holding_of`: the wallet's
balance as last indexed (the indexer follows the head, final or not) minus the burns from it
still in flight (outbox requests not yet final). The transfers themselves reach the ledger as
TRANSFER_OUT / TRANSFER_IN entries once final (loyalty.services.transfers); until then this cap
is what keeps the two from diverging. A custodial address is moved by this service only: no cap.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.onchain import balances
from loyalty.db.outbox import BURN, SETTLED, chain_requests
from loyalty.db.tables import deployments
from loyalty.domain.ledger import Holding, spendable
from loyalty.domain.members import Member


async def token_is_transferable(conn: AsyncConnection) -> bool:
    """The deployed token's flag (the last deployment); no token at all: nothing can move."""
    found = await conn.scalar(
        select(deployments.c.transferable).order_by(deployments.c.id.desc()).limit(1)
    )
    return bool(found)


async def holding_of(conn: AsyncConnection, member: Member) -> Holding | None:
    """The member's wallet and what it covers, or None where the ledger is the whole truth (a
    custodial address, or a token nobody but the minter can move)."""
    address = member.wallet_address
    if address is None or not await token_is_transferable(conn):
        return None
    address = address.lower()
    indexed = await conn.scalar(select(balances.c.balance).where(balances.c.address == address))
    burning = await conn.scalar(
        select(func.coalesce(func.sum(chain_requests.c.amount), 0)).where(
            chain_requests.c.address == address,
            chain_requests.c.kind == BURN,
            chain_requests.c.status.not_in(SETTLED),  # burned and final, or refused: never sent,
        )
    )
    return Holding(address, int(indexed or 0), int(burning or 0))


async def spendable_points(conn: AsyncConnection, member: Member) -> int:
    """The member's balance as far as it can be spent now (see the module doc)."""
    return spendable(member.totals.balance, await holding_of(conn, member))

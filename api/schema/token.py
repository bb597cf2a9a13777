"""Public facts about the token: anyone may read them."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.context import Context
from api.schema.scalars import BigInt, Long
from indexer.queries import holder_count, indexed_total_supply
from loyalty.deployment import Deployment


@strawberry.type(description="The LoyaltyPoints ERC-20 token this service mints.")
class Token:
    address: str
    chain_id: Long
    name: str
    symbol: str
    decimals: int
    transferable: bool
    deployment_block: Long

    @classmethod
    def from_deployment(cls, d: Deployment) -> Token:
        return cls(
            address=d.address,
            chain_id=Long(d.chain_id),
            name=d.name,
            symbol=d.symbol,
            decimals=0,  # fixed in the contract: one token is one point
            transferable=d.transferable,
            deployment_block=Long(d.deployment_block),
        )

    @strawberry.field(description="Total supply at the indexed block (from the index).")
    async def total_supply(self, info: Info[Context, None]) -> BigInt:
        async with info.context.connection() as conn:
            return BigInt(await indexed_total_supply(conn))

    @strawberry.field(description="Number of addresses holding tokens (from the index).")
    async def holders(self, info: Info[Context, None]) -> Long:
        async with info.context.connection() as conn:
            return Long(await holder_count(conn))


@strawberry.type
class TokenQuery:
    @strawberry.field(description="The deployed token.")
    def token(self, info: Info[Context, None]) -> Token:
        return Token.from_deployment(info.context.runtime.deployment)

"""Public facts about the token: anyone may read them."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.context import Context
from api.schema.scalars import Long
from loyalty.deploy import Deployment


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


@strawberry.type
class TokenQuery:
    @strawberry.field(description="The deployed token.")
    def token(self, info: Info[Context, None]) -> Token:
        return Token.from_deployment(info.context.runtime.deployment)

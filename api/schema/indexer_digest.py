"""`indexerDigest(block)`: the index's bisectable digest at a block (issue 17, item 5;
indexer/digest.py, docs/indexer.md). Public, like balances and transfers: it is a function of
the chain's Transfer logs, which anyone can read from a node, and another deployment's
`loyalty audit bisect` reads it without a key."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.context import Context
from api.errors import ValidationFailed
from api.schema.chain import NotIndexed
from api.schema.scalars import BigInt, Long
from indexer.digest_reads import digest_at
from indexer.errors import NotIndexedYet


@strawberry.type(description="An address's balance at the end of a block that touched it.")
class BalanceChange:
    address: str
    balance: BigInt


@strawberry.type(
    description=(
        "The chained digest of every balance change up to the end of a block: two indexers of "
        "the same token agree on it at every block, or disagree from the first block where "
        "their balances do (docs/indexer.md, 'The bisectable digest')."
    )
)
class IndexerDigest:
    block: Long
    digest: str = strawberry.field(description="64 lower-case hex digits (SHA-256)")
    changed_at: Long | None = strawberry.field(
        description="the newest block ≤ block that changed a balance (null: none yet)"
    )
    changes: list[BalanceChange] = strawberry.field(
        description="the balance changes of this very block, by address (empty if none)"
    )


@strawberry.type
class IndexerDigestQuery:
    @strawberry.field(
        description="The index's digest at the end of `block` (public). A block not indexed "
        "yet is NOT_INDEXED."
    )
    async def indexer_digest(self, info: Info[Context, None], block: Long) -> IndexerDigest:
        if block < 0:
            raise ValidationFailed("block must be ≥ 0")
        async with info.context.connection() as conn:
            try:
                found = await digest_at(conn, block)
            except NotIndexedYet as exc:
                raise NotIndexed(str(exc)) from None
        return IndexerDigest(
            block=Long(found.block),
            digest=found.digest,
            changed_at=None if found.changed_at is None else Long(found.changed_at),
            changes=[BalanceChange(address=a, balance=BigInt(b)) for a, b in found.changes],
        )

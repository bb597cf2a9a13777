"""Tiers (Wix names): read by any authenticated caller, written by admins."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from api.auth import require_admin
from api.context import Context
from api.schema.rules import require_rule_reader
from api.schema.scalars import Long
from loyalty.domain import tiers as domain
from loyalty.services import tiers as service


@strawberry.type(
    description="A loyalty tier: a member is in the highest tier whose requiredPoints are at "
    "most their points earned + adjusted - reversed within the program's rolling window."
)
class Tier:
    id: strawberry.ID
    revision: Long
    name: str
    description: str | None
    required_points: Long
    created_date: datetime
    updated_date: datetime

    @classmethod
    def from_row(cls, tier: domain.Tier) -> Tier:
        return cls(
            id=strawberry.ID(tier.id),
            revision=Long(tier.revision),
            name=tier.name,
            description=tier.description,
            required_points=Long(tier.required_points),
            created_date=tier.created_date,
            updated_date=tier.updated_date,
        )


@strawberry.input
class TierInput:
    name: str
    required_points: Long = strawberry.field(description="0 to 9,999,999; unique per tier.")
    description: str | None = None


@strawberry.input(description="Partial update: omitted fields stay as they are.")
class TierUpdate:
    name: str | None = None
    required_points: Long | None = None
    description: str | None = None


@strawberry.type
class DeleteTierResult:
    id: strawberry.ID


@strawberry.type
class TiersQuery:
    @strawberry.field(description="All tiers, lowest threshold first.")
    async def tiers(self, info: Info[Context, None]) -> list[Tier]:
        require_rule_reader(info.context.principal)
        async with info.context.connection() as conn:
            return [Tier.from_row(t) for t in await service.list_tiers(conn)]

    @strawberry.field
    async def tier(self, info: Info[Context, None], id: strawberry.ID) -> Tier:
        require_rule_reader(info.context.principal)
        async with info.context.connection() as conn:
            return Tier.from_row(await service.get_tier(conn, str(id)[:64]))


@strawberry.type
class TiersMutation:
    @strawberry.mutation(description="Creates a tier and re-places every member (admin).")
    async def create_tier(self, info: Info[Context, None], tier: TierInput) -> Tier:
        require_admin(info.context.principal)
        data = domain.TierInput(tier.name, tier.required_points, tier.description)
        uow = info.context.runtime.unit_of_work()
        return Tier.from_row(await service.create_tier(uow, data))

    @strawberry.mutation(description="Updates a tier at `revision` (admin).")
    async def update_tier(
        self, info: Info[Context, None], id: strawberry.ID, revision: Long, tier: TierUpdate
    ) -> Tier:
        require_admin(info.context.principal)
        changes = domain.TierChanges(tier.name, tier.description, tier.required_points)
        updated = await service.update_tier(
            info.context.runtime.unit_of_work(), str(id)[:64], changes, revision=revision
        )
        return Tier.from_row(updated)

    @strawberry.mutation(
        description="Deletes a tier at `revision`; refused while a rule or reward has a config "
        "for it (admin)."
    )
    async def delete_tier(
        self, info: Info[Context, None], id: strawberry.ID, revision: Long
    ) -> DeleteTierResult:
        require_admin(info.context.principal)
        await service.delete_tier(
            info.context.runtime.unit_of_work(), str(id)[:64], revision=revision
        )
        return DeleteTierResult(id=id)

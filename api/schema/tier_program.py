"""The tier program (loyalty.domain.tier_program): its status and downgrade policy, read by any
authenticated caller like the tiers, changed by admins at the program settings' revision."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.types import Info

from api.auth import require_admin
from api.context import Context
from api.schema.rules import require_rule_reader
from api.schema.scalars import Long
from loyalty.domain.tier_program import DowngradePolicy as DomainPolicy
from loyalty.domain.tier_program import TierProgramStatus as DomainStatus
from loyalty.services import program as program_service
from loyalty.services.tier_program import TierProgramChanges, update_tier_program


@strawberry.enum(
    description="ACTIVE: members earn and redeem at their tier's rates. PAUSED: tiers are still "
    "computed and shown, everyone earns and redeems at the base tier's rates. DISABLED: as "
    "PAUSED, and every account shows the base tier."
)
class TierProgramStatus(Enum):
    ACTIVE = DomainStatus.ACTIVE.value
    PAUSED = DomainStatus.PAUSED.value
    DISABLED = DomainStatus.DISABLED.value


@strawberry.enum(
    description="ROLLING_WINDOW: the tier follows the window's points, down at once. ONE_DOWN: "
    "a tier is kept for a period of tiersRollingWindowMonths, then goes down one tier if the "
    "points no longer reach it. BALANCE_BASED: kept for the period, then the tier the member's "
    "balance reaches (between the earned tier and the current one)."
)
class DowngradePolicy(Enum):
    ROLLING_WINDOW = DomainPolicy.ROLLING_WINDOW.value
    ONE_DOWN = DomainPolicy.ONE_DOWN.value
    BALANCE_BASED = DomainPolicy.BALANCE_BASED.value


@strawberry.type(description="How tiers apply and how members move down.")
class TierProgram:
    status: TierProgramStatus
    downgrade_policy: DowngradePolicy
    downgrade_notice_days: int | None = strawberry.field(
        description="A tier.will_downgrade notification this many days before a projected "
        "downgrade (null: none)."
    )
    revision: Long = strawberry.field(description="The program settings' revision.")

    @classmethod
    def from_row(cls, p: program_service.Program) -> TierProgram:
        tp = p.tier_program
        return cls(
            status=TierProgramStatus(tp.status.value),
            downgrade_policy=DowngradePolicy(tp.downgrade_policy.value),
            downgrade_notice_days=tp.downgrade_notice_days,
            revision=Long(p.revision),
        )


@strawberry.input(description="Partial update: omitted fields stay as they are.")
class TierProgramUpdate:
    status: TierProgramStatus | None = None
    downgrade_policy: DowngradePolicy | None = None
    downgrade_notice_days: int | None = strawberry.field(
        default=strawberry.UNSET, description="1 to 365; null turns the notice off."
    )


@strawberry.type
class TierProgramQuery:
    @strawberry.field(description="The tier program's status and downgrade policy.")
    async def tier_program(self, info: Info[Context, None]) -> TierProgram:
        require_rule_reader(info.context.principal)
        async with info.context.connection() as conn:
            return TierProgram.from_row(await program_service.get_program(conn))


@strawberry.type
class TierProgramMutation:
    @strawberry.mutation(
        description="Changes the tier program at the program settings' `revision` and re-places "
        "every member under it (admin)."
    )
    async def update_tier_program(
        self, info: Info[Context, None], revision: Long, tier_program: TierProgramUpdate
    ) -> TierProgram:
        require_admin(info.context.principal)
        given = tier_program.downgrade_notice_days is not strawberry.UNSET
        changes = TierProgramChanges(
            status=DomainStatus(tier_program.status.value) if tier_program.status else None,
            downgrade_policy=(
                DomainPolicy(tier_program.downgrade_policy.value)
                if tier_program.downgrade_policy
                else None
            ),
            downgrade_notice_days=tier_program.downgrade_notice_days if given else None,
            notice_days_given=given,
        )
        uow = info.context.runtime.unit_of_work()
        return TierProgram.from_row(await update_tier_program(uow, changes, revision=revision))

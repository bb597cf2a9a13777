"""`programTotals` (admins and auditors), as Wix's getProgramTotals: the program's points in
sum, exact (Long), read in the request's snapshot."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.auth import require_auditor
from api.context import Context
from api.schema.scalars import Long
from loyalty.services.program_totals import ProgramTotals as Totals
from loyalty.services.program_totals import program_totals


@strawberry.type(
    description="Every member's points in sum: balance = earned + adjusted - redeemed - "
    "expired - reversed."
)
class ProgramTotals:
    members: Long = strawberry.field(description="Accounts in the program.")
    balance: Long
    earned: Long
    adjusted: Long = strawberry.field(
        description="Admins' adjustments and the members' own transfers on chain, signed."
    )
    redeemed: Long = strawberry.field(description="Spent on rewards, less what was refunded.")
    expired: Long
    reversed: Long = strawberry.field(description="Taken back after order refunds.")
    debt: Long = strawberry.field(description="Owed after reversals, netted against earnings.")
    held: Long = strawberry.field(
        description="Earned but still held by the return window (holdDays): in no balance and "
        "not on chain until available (account.points.held, summed)."
    )
    pending: Long = strawberry.field(
        description="Signed sum of mints (+) and burns (-) not yet final on chain."
    )

    @classmethod
    def from_row(cls, t: Totals) -> ProgramTotals:
        return cls(
            members=Long(t.members),
            balance=Long(t.balance),
            earned=Long(t.earned),
            adjusted=Long(t.adjusted),
            redeemed=Long(t.redeemed),
            expired=Long(t.expired),
            reversed=Long(t.reversed),
            debt=Long(t.debt),
            held=Long(t.held),
            pending=Long(t.pending),
        )


@strawberry.type
class ProgramTotalsQuery:
    @strawberry.field(description="The program's points in sum (admin or auditor).")
    async def program_totals(self, info: Info[Context, None]) -> ProgramTotals:
        require_auditor(info.context.principal)
        async with info.context.connection() as conn:
            return ProgramTotals.from_row(await program_totals(conn))

"""Program totals (issue 16, Wix's getProgramTotals): the sums of every member's running totals
and the points still on their way to or from the chain. Exact integers: one statement over the
member rows (the running totals the ledger keeps under each member's row lock, so their sums are
the ledger's sums) and one over the chain requests not settled, in the caller's read snapshot.

`held` is the points earned but still held by the return window (loyalty.domain.holds): not in
any balance and not on chain until they become available; one more sum, over the HELD rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.holds import H_HELD, held_points
from loyalty.db.ledger import members
from loyalty.db.outbox import MINT, SETTLED, chain_requests


@dataclass(frozen=True)
class ProgramTotals:
    members: int
    balance: int  # earned + adjusted - redeemed - expired - reversed, summed
    earned: int
    adjusted: int
    redeemed: int
    expired: int
    reversed: int
    debt: int
    held: int
    pending: int  # signed: mints (+) and burns (-) not yet final or refused


def _sum(column: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(column), 0)


async def program_totals(conn: AsyncConnection) -> ProgramTotals:
    m = members.c
    row = (
        await conn.execute(
            select(
                func.count(),
                _sum(m.earned),
                _sum(m.adjusted),
                _sum(m.redeemed),
                _sum(m.expired),
                _sum(m.reversed),
                _sum(m.debt),
            ).select_from(members)
        )
    ).one()
    cr = chain_requests.c
    signed = case((cr.kind == MINT, cr.amount), else_=-cr.amount)
    pending = await conn.scalar(select(_sum(signed)).where(cr.status.not_in(SETTLED)))
    held = await conn.scalar(
        select(_sum(held_points.c.remaining)).where(held_points.c.status == H_HELD)
    )
    # PostgreSQL sums BIGINTs as NUMERIC (a Decimal here): exact, made an int.
    count, earned, adjusted, redeemed, expired, reversed_, debt = (int(v) for v in row)
    return ProgramTotals(
        members=count,
        balance=earned + adjusted - redeemed - expired - reversed_,
        earned=earned,
        adjusted=adjusted,
        redeemed=redeemed,
        expired=expired,
        reversed=reversed_,
        debt=debt,
        held=int(held or 0),
        pending=int(pending or 0),
    )

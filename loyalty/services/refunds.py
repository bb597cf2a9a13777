"""Order refunds: take back the order's points in proportion to the money refunded.

Per award (EARN entry) of the order: reverse floor(award * refunded so far / order amount) minus
what earlier reversals of that award took, so partials never add up to more than the award and a
full refund takes all of it. A member who no longer holds the points gives what is there; the
rest is a debt netted against later earnings (see loyalty.domain.ledger). An award still held
(loyalty.domain.holds) has its share cancelled instead: a REVERSE that moves nothing and writes
no chain request, and the hold keeps what is left.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select

from loyalty.db.ledger import ledger_entries, members, orders
from loyalty.db.times import utc
from loyalty.domain import values
from loyalty.domain.errors import InvalidInput, NotFound
from loyalty.domain.holds import HoldState
from loyalty.domain.ledger import EntryType, check_refund, points_to_reverse
from loyalty.services import inbound, referral_rewards
from loyalty.services.earning_config import earning_config
from loyalty.services.holds import cancel_held, held_of_entries
from loyalty.services.ledger import post_entry
from loyalty.services.limits import Owner, OwnerKind, give_back
from loyalty.services.members import member_from_row
from loyalty.services.uow import AbstractUnitOfWork


@dataclass(frozen=True)
class RefundInput:
    idempotency_key: str
    order_id: str
    # Exactly one: the amount refunded now, the order's refunded total so far (Wix reports
    # totals, which makes redeliveries and out-of-order events harmless), or everything left.
    amount: Decimal | None = None
    refunded_total: Decimal | None = None
    full: bool = False

    def request(self) -> dict[str, Any]:
        return {
            "orderId": self.order_id,
            "amount": self.amount,
            "refundedTotal": self.refunded_total,
            "full": self.full,
        }

    def to_payload(self) -> dict[str, Any]:
        def exact(value: Decimal | None) -> str | None:
            return None if value is None else format(value, "f")

        return {
            "idempotencyKey": self.idempotency_key,
            "orderId": self.order_id,
            "amount": exact(self.amount),
            "refundedTotal": exact(self.refunded_total),
            "full": self.full,
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> RefundInput:
        def exact(value: str | None) -> Decimal | None:
            return None if value is None else Decimal(value)

        return cls(
            idempotency_key=data["idempotencyKey"],
            order_id=data["orderId"],
            amount=exact(data.get("amount")),
            refunded_total=exact(data.get("refundedTotal")),
            full=bool(data.get("full")),
        )


@dataclass(frozen=True)
class RefundOutcome:
    event_id: int
    order_id: str
    member_id: str
    refunded: Decimal  # this refund
    order_refunded: Decimal  # the order's refunded total after it
    points_reversed: int  # taken back by this refund (asked)
    points_taken: int  # of which the member still held
    debt: int  # the member's debt afterwards
    duplicate: bool = False
    # Of points_reversed, held points cancelled inside their window (no chain request).
    points_cancelled: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "eventId": self.event_id,
            "orderId": self.order_id,
            "memberId": self.member_id,
            "refunded": format(self.refunded, "f"),
            "orderRefunded": format(self.order_refunded, "f"),
            "pointsReversed": self.points_reversed,
            "pointsTaken": self.points_taken,
            "debt": self.debt,
            "pointsCancelled": self.points_cancelled,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, duplicate: bool) -> RefundOutcome:
        return cls(
            event_id=data["eventId"],
            order_id=data["orderId"],
            member_id=data["memberId"],
            refunded=Decimal(data["refunded"]),
            order_refunded=Decimal(data["orderRefunded"]),
            points_reversed=data["pointsReversed"],
            points_taken=data["pointsTaken"],
            debt=data["debt"],
            duplicate=duplicate,
            points_cancelled=data.get("pointsCancelled", 0),
        )


def check_refund_input(inp: RefundInput) -> None:
    inbound.check_key(inp.idempotency_key)
    values.check_identifier("orderId", inp.order_id, 200)
    given = sum(x is not None for x in (inp.amount, inp.refunded_total)) + int(inp.full)
    if given != 1:
        raise InvalidInput("give exactly one refund amount", field="amount")
    for value in (inp.amount, inp.refunded_total):
        if value is not None:
            values.check_money("amount", value)
            if value <= 0:
                raise InvalidInput("a refund amount must be more than 0", field="amount")


async def record_refund(uow: AbstractUnitOfWork, inp: RefundInput, *, source: str) -> RefundOutcome:
    check_refund_input(inp)
    request = inp.request()
    async with uow:
        now = uow.clock.now()
        claim = await inbound.claim(
            uow.conn,
            source=source,
            key=inp.idempotency_key,
            request=request,
            kind="REFUND",
            received_at=now,
            strict=source == "refund",
            order_key=inp.order_id,
            amount=inp.amount or inp.refunded_total,
        )
        if claim.id is None:
            return RefundOutcome.from_json(claim.first_answer or {}, duplicate=True)
        return await apply_refund(uow, claim.id, inp, now=now)


async def apply_refund(
    uow: AbstractUnitOfWork,
    event_id: int,
    inp: RefundInput,
    *,
    now: datetime,
    **answer_fields: Any,
) -> RefundOutcome:
    """Reverses a claimed refund's share of the order's awards, in the caller's unit of work."""
    conn = uow.conn
    found = (
        await conn.execute(
            select(orders.c.id, orders.c.member_pk).where(
                or_(orders.c.order_key == inp.order_id, orders.c.external_id == inp.order_id)
            )
        )
    ).first()
    if found is None:
        raise NotFound(
            f"no order {inp.order_id!r} has been recorded with an amount", field="orderId"
        )
    # Member first, then order: the same lock order as earning, so no deadlock.
    member_row = (
        await conn.execute(select(members).where(members.c.id == found.member_pk).with_for_update())
    ).one()
    member = member_from_row(member_row)
    order = (
        await conn.execute(select(orders).where(orders.c.id == found.id).with_for_update())
    ).one()
    before: Decimal = order.refunded
    if inp.full:
        refund = order.amount - before
    elif inp.refunded_total is not None:
        refund = inp.refunded_total - before
    else:
        assert inp.amount is not None
        refund = inp.amount
    if refund <= 0 and (inp.full or inp.refunded_total is not None):
        # Already refunded that far (a late or repeated status event): nothing to take.
        refund = Decimal(0)
    else:
        check_refund(order.amount, before, refund)
    total = before + refund
    await conn.execute(
        orders.update().where(orders.c.id == order.id).values(refunded=total, updated_at=now)
    )
    await referral_rewards.after_refund(
        uow, order_key=order.order_key, amount=order.amount, refunded=total, now=now
    )
    asked = taken = cancelled = 0
    awards = await _awards_of(conn, order.id)
    holds = await held_of_entries(conn, [earn.id for earn, _ in awards])
    for earn, already in awards:
        points = points_to_reverse(earn.points, order.amount, total, already)
        if not points:
            continue
        hold = holds.get(earn.id)
        held = hold is not None and hold.state is HoldState.HELD
        member, entry = await post_entry(
            uow,
            member,
            EntryType.REVERSE,
            -points,
            now=now,
            description=f"refund of {format(refund, 'f')} on order {order.order_key}",
            rule_id=earn.rule_id,
            rule_revision=earn.rule_revision,
            campaign_id=earn.campaign_id,
            campaign_revision=earn.campaign_revision,
            inbound_event_id=event_id,
            order_pk=order.id,
            reverses_entry_id=earn.id,
            business_key=f"reverse:{event_id}:{earn.id}",
            activity=False,
            held=held,
        )
        assert entry is not None  # the key names this claim, which is new
        if held:
            assert hold is not None
            await cancel_held(conn, hold, points, now=now)
            cancelled += points
        await _give_budget_back(conn, earn, points)
        asked += points
        taken += -entry.delta
    outcome = RefundOutcome(
        event_id=event_id,
        order_id=order.order_key,
        member_id=member.member_id,
        refunded=refund,
        order_refunded=total,
        points_reversed=asked,
        points_taken=taken,
        debt=member.totals.debt,
        points_cancelled=cancelled,
    )
    await inbound.answer(conn, event_id, outcome.to_json(), member_pk=member.pk, **answer_fields)
    return outcome


async def _give_budget_back(conn: Any, earn: Any, points: int) -> None:
    """The reversed points go back to the budget of the award's rule or campaign, in the period
    the award was made in (points_to_reverse is already the proportional share)."""
    if earn.campaign_id is not None:
        owner: Owner = (OwnerKind.CAMPAIGN, earn.campaign_id)
    elif earn.rule_id is not None:
        owner = (OwnerKind.RULE, earn.rule_id)
    else:
        return
    config = await earning_config(conn)
    limits = config.limits.get(owner)
    if limits is None or limits.budget is None:
        return
    earned_at = utc(earn.created_at)
    await give_back(conn, owner, limits.budget, points, earned_at=earned_at, zone=config.zone)


async def _awards_of(conn: Any, order_pk: int) -> list[tuple[Any, int]]:
    """The order's EARN entries, each with the points its earlier reversals asked back."""
    reversal = ledger_entries.alias("reversal")
    rows = (
        await conn.execute(
            select(
                ledger_entries,
                func.coalesce(-func.sum(reversal.c.points), 0).label("already"),
            )
            .select_from(
                ledger_entries.outerjoin(
                    reversal, reversal.c.reverses_entry_id == ledger_entries.c.id
                )
            )
            .where(
                ledger_entries.c.order_pk == order_pk,
                ledger_entries.c.type == EntryType.EARN.value,
            )
            .group_by(*ledger_entries.c)
            .order_by(ledger_entries.c.id)
        )
    ).all()
    return [(row, int(row.already)) for row in rows]

"""Redeeming rewards and cancelling redemptions, each in one unit of work; granting a reward
at no cost (a referral's, in the caller's transaction).

A redemption locks the member, checks the balance, posts a REDEEM entry (whose burn goes to the
outbox: the exactly-once path) and records the coupon, all in one transaction. The member is
locked before anything else is read (`get_member(lock=True)`: a row lock on PostgreSQL, the write
lock on SQLite), so two redemptions can never both see the same balance.

A granted reward is a redemption like any other (same coupon, listed with the member's
redemptions) that cost 0 points: no REDEEM entry and nothing to burn; it names the referral it
rewards. Its idempotency key (`referral:<id>:<side>`, unique per member) makes it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import insert_or_skip, members
from loyalty.db.program import redemptions
from loyalty.db.times import utc as _utc
from loyalty.domain.errors import Conflict, NotFound
from loyalty.domain.ledger import EntryType
from loyalty.domain.lifecycle import require_active
from loyalty.domain.members import Member
from loyalty.domain.rewards import (
    RedemptionStatus,
    Reward,
    check_affordable,
    check_idempotency_key,
    config_for,
    new_coupon_code,
)
from loyalty.services.holds import held_lists
from loyalty.services.ledger import post_entry
from loyalty.services.members import get_member
from loyalty.services.program import get_program
from loyalty.services.rewards import get_reward
from loyalty.services.tiers import rate_tier_at
from loyalty.services.uow import AbstractUnitOfWork


@dataclass(frozen=True)
class Redemption:
    id: str
    member_id: str
    reward_id: str
    reward_revision: int
    reward_type: str
    tier_id: str | None
    amount: Decimal
    cost_in_points: int
    coupon_code: str
    status: RedemptionStatus
    redeem_entry_id: int | None  # None: granted at no cost (referral_id says why)
    refund_entry_id: int | None
    created_date: datetime
    cancelled_date: datetime | None
    referral_id: int | None = None

    @classmethod
    def from_row(cls, row: Any, member_id: str) -> Redemption:
        return cls(
            id=str(row.id),
            member_id=member_id,
            reward_id=row.reward_id,
            reward_revision=int(row.reward_revision),
            reward_type=row.reward_type,
            tier_id=row.tier_id,
            amount=row.amount,
            cost_in_points=int(row.cost_in_points),
            coupon_code=row.coupon_code,
            status=RedemptionStatus(row.status),
            redeem_entry_id=None if row.redeem_entry_id is None else int(row.redeem_entry_id),
            refund_entry_id=row.refund_entry_id,
            created_date=_utc(row.created_at),  # NOT NULL
            cancelled_date=_utc(row.cancelled_at),
            referral_id=None if row.referral_id is None else int(row.referral_id),
        )


async def _unique_code(conn: AsyncConnection) -> str:
    while True:  # 60 random bits: a clash is astronomically rare, but costs only a retry
        code = new_coupon_code()
        taken = await conn.scalar(select(redemptions.c.id).where(redemptions.c.coupon_code == code))
        if taken is None:
            return code


async def redeem_reward(
    uow: AbstractUnitOfWork,
    member_id: str,
    reward_id: str,
    idempotency_key: str,
    *,
    now: datetime | None = None,
) -> Redemption:
    """Spends the reward's cost for the member's tier and returns the coupon. The same
    idempotency key returns the first redemption again (nothing spent twice)."""
    key = check_idempotency_key(idempotency_key)
    async with uow:
        conn, now = uow.conn, now or uow.clock.now()
        require_active((await get_program(conn)).status, "redeeming a reward")
        member = await get_member(conn, member_id, lock=True)
        earlier = (
            await conn.execute(
                select(redemptions).where(
                    redemptions.c.member_pk == member.pk, redemptions.c.idempotency_key == key
                )
            )
        ).first()
        if earlier is not None:
            if earlier.reward_id != reward_id:
                raise Conflict(
                    f"idempotencyKey {key!r} was already used to redeem reward "
                    f"{earlier.reward_id}; use a new key for another redemption",
                    field="idempotencyKey",
                )
            return Redemption.from_row(earlier, member.member_id)
        reward = await get_reward(conn, reward_id)
        config = config_for(reward, await rate_tier_at(conn, member.pk, now))
        held: list[tuple[int, datetime]] = []
        if member.totals.balance < config.cost_in_points:  # which error: held points or none
            found = (await held_lists(conn, [member.pk]))[member.pk]
            held = [(h.points, h.available_at) for h in found]
        check_affordable(member.totals.balance, config.cost_in_points, held)
        # Beyond what the member's own wallet holds: NotHeldOnChain (services.spendable).
        member, entry = await post_entry(
            uow,
            member,
            EntryType.REDEEM,
            -config.cost_in_points,
            now=now,
            description=f"redeemed {reward.name}",
            business_key=f"redeem:{member.pk}:{key}",
        )
        assert entry is not None  # the key was checked above, under the member's lock
        values = {
            "member_pk": member.pk,
            "reward_id": reward.id,
            "reward_revision": reward.revision,
            "reward_type": reward.type.value,
            "tier_id": config.tier_id,
            "amount": config.amount,
            "cost_in_points": config.cost_in_points,
            "coupon_code": await _unique_code(conn),
            "idempotency_key": key,
            "status": RedemptionStatus.REDEEMED.value,
            "redeem_entry_id": entry.id,
            "created_at": now,
        }
        new_id = (
            await conn.execute(redemptions.insert().values(**values).returning(redemptions.c.id))
        ).scalar_one()
        row = (await conn.execute(select(redemptions).where(redemptions.c.id == new_id))).one()
        return Redemption.from_row(row, member.member_id)


async def grant_reward(
    conn: AsyncConnection,
    member: Member,
    reward: Reward,
    *,
    key: str,
    referral_id: int,
    now: datetime,
) -> Redemption | None:
    """The reward's coupon for the member at no cost, at their tier's config (else the base
    one), in the caller's transaction; None when `key` granted it before (nothing changed).
    The catalogue keeps a reward the referral program gives active and with a base config."""
    config = config_for(reward, await rate_tier_at(conn, member.pk, now))
    new_id = await conn.scalar(
        insert_or_skip(conn.dialect.name, redemptions, ["member_pk", "idempotency_key"])
        .values(
            member_pk=member.pk,
            reward_id=reward.id,
            reward_revision=reward.revision,
            reward_type=reward.type.value,
            tier_id=config.tier_id,
            amount=config.amount,
            cost_in_points=0,
            coupon_code=await _unique_code(conn),
            idempotency_key=key,
            status=RedemptionStatus.REDEEMED.value,
            redeem_entry_id=None,
            referral_id=referral_id,
            created_at=now,
        )
        .returning(redemptions.c.id)
    )
    if new_id is None:
        return None
    row = (await conn.execute(select(redemptions).where(redemptions.c.id == new_id))).one()
    return Redemption.from_row(row, member.member_id)


def _redemption_pk(redemption_id: str) -> int:
    try:
        return int(redemption_id)
    except (TypeError, ValueError):
        raise NotFound(f"no redemption with id {redemption_id!r}", field="id") from None


async def get_redemption(conn: AsyncConnection, redemption_id: str) -> Redemption:
    row = (
        await conn.execute(
            select(redemptions, members.c.member_id.label("external_member_id"))
            .join(members, members.c.id == redemptions.c.member_pk)
            .where(redemptions.c.id == _redemption_pk(redemption_id))
        )
    ).first()
    if row is None:
        raise NotFound(f"no redemption with id {redemption_id!r}", field="id")
    return Redemption.from_row(row, row.external_member_id)


async def cancel_redemption(
    uow: AbstractUnitOfWork, redemption_id: str, *, now: datetime | None = None
) -> Redemption:
    """Gives the points back as a REFUND (a mint). Cancelling twice changes nothing more."""
    async with uow:
        conn, now = uow.conn, now or uow.clock.now()
        found = await get_redemption(conn, redemption_id)
        member = await get_member(conn, found.member_id, lock=True)
        current = await get_redemption(conn, redemption_id)  # re-read under the lock
        if current.status is RedemptionStatus.CANCELLED:
            return current
        if current.redeem_entry_id is None:  # granted at no cost: nothing to give back
            await conn.execute(
                redemptions.update()
                .where(redemptions.c.id == int(current.id))
                .values(status=RedemptionStatus.CANCELLED.value, cancelled_at=now)
            )
            return await get_redemption(conn, redemption_id)
        member, entry = await post_entry(
            uow,
            member,
            EntryType.REFUND,
            current.cost_in_points,
            now=now,
            description=f"cancelled redemption {current.id} ({current.coupon_code})",
            business_key=f"refund:redemption:{current.id}",
            activity=False,
        )
        assert entry is not None
        await conn.execute(
            redemptions.update()
            .where(redemptions.c.id == int(current.id))
            .values(
                status=RedemptionStatus.CANCELLED.value,
                refund_entry_id=entry.id,
                cancelled_at=now,
            )
        )
        return await get_redemption(conn, redemption_id)


async def list_redemptions(
    conn: AsyncConnection, member: Member, *, limit: int = 100
) -> list[Redemption]:
    rows = (
        await conn.execute(
            select(redemptions)
            .where(redemptions.c.member_pk == member.pk)
            .order_by(redemptions.c.id.desc())
            .limit(limit)
        )
    ).all()
    return [Redemption.from_row(r, member.member_id) for r in rows]

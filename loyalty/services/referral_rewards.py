"""Referral rewards (issue 15): both sides' points and catalogue rewards granted in one
transaction once a referral is QUALIFIED and its hold has passed (at once without a hold, else
by the periodic job, `grant_due`), and the rejection of a QUALIFIED referral whose order was
refunded meanwhile (then nothing is ever granted: no points, no coupon).

Exactly once: points are ledger entries under the business keys `referral:<id>:referrer` and
`referral:<id>:friend`, a coupon is a redemption under the same key as its idempotency key
(unique per member), and the row moves to REWARDED in the transaction that grants them, under
its row lock; a grant that finds it no longer QUALIFIED does nothing.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import members
from loyalty.db.locks import skip_locked, sqlite_write_lock
from loyalty.db.referrals import referrals
from loyalty.domain.ledger import EntryType
from loyalty.domain.members import Member
from loyalty.domain.referrals import Reason, Settings, Status, refund_rejects
from loyalty.services import notifications
from loyalty.services.ledger import post_entry
from loyalty.services.members import member_from_row
from loyalty.services.redemptions import grant_reward
from loyalty.services.referral_program import get_settings
from loyalty.services.rewards import get_reward
from loyalty.services.uow import AbstractUnitOfWork

REFERRAL_REWARDED = "referral.rewarded"


async def grant(
    uow: AbstractUnitOfWork, referral_id: int, settings: Settings, *, now: datetime
) -> bool:
    """Posts both sides' rewards and marks the referral REWARDED, in the caller's transaction;
    False (nothing done) when it is no longer QUALIFIED (granted or rejected meanwhile)."""
    conn = uow.conn
    await sqlite_write_lock(conn, referrals, referrals.c.id == referral_id, "updated_at")
    row = (
        await conn.execute(select(referrals).where(referrals.c.id == referral_id).with_for_update())
    ).first()
    if row is None or row.status != Status.QUALIFIED.value:
        return False
    # Both members locked in pk order: the same order in every grant, so grants never deadlock.
    locked = {pk: await lock_member(conn, pk) for pk in sorted({row.referrer_pk, row.friend_pk})}
    referrer, friend = locked[row.referrer_pk], locked[row.friend_pk]
    given = {}
    for side, member, reward, other in (
        ("referrer", referrer, settings.referrer_reward, friend),
        ("friend", friend, settings.friend_reward, referrer),
    ):
        given[side] = 0
        data: dict[str, Any] = {}
        why = (
            f"referral reward: {other.member_id} joined on your referral"
            if side == "referrer"
            else f"referral reward: referred by {other.member_id}"
        )
        if reward.points > 0:
            _, entry = await post_entry(
                uow,
                member,
                EntryType.EARN,
                reward.points,
                now=now,
                description=why,
                business_key=f"referral:{referral_id}:{side}",
            )
            if entry is not None:
                given[side] = reward.points
                data.update(points=reward.points, entryId=entry.id)
        if reward.reward_id is not None:
            coupon = await grant_reward(
                conn,
                member,
                await get_reward(conn, reward.reward_id),
                key=f"referral:{referral_id}:{side}",
                referral_id=referral_id,
                now=now,
            )
            if coupon is not None:
                data.update(
                    redemptionId=coupon.id, rewardId=coupon.reward_id, couponCode=coupon.coupon_code
                )
        if data:
            await notifications.queue_event(
                conn,
                event_id=f"evt_referral_{referral_id}_{side}",
                event_type=REFERRAL_REWARDED,
                member_id=member.member_id,
                data={
                    "referralId": referral_id,
                    "side": side.upper(),
                    "points": 0,
                    **data,
                    "referrerId": referrer.member_id,
                    "friendId": friend.member_id,
                },
                now=now,
            )
    await conn.execute(
        referrals.update()
        .where(referrals.c.id == referral_id)
        .values(
            status=Status.REWARDED.value,
            rewarded_at=now,
            referrer_points=given["referrer"],
            friend_points=given["friend"],
            updated_at=now,
        )
    )
    return True


async def after_refund(
    uow: AbstractUnitOfWork,
    *,
    order_key: str,
    amount: Decimal,
    refunded: Decimal,
    now: datetime,
) -> bool:
    """A refund of a qualifying order before the rewards were granted rejects the referral
    (ORDER_REFUNDED) when what is left of the order no longer qualifies. True when it did."""
    conn = uow.conn
    row = (
        await conn.execute(
            select(referrals.c.id).where(
                referrals.c.order_key == order_key, referrals.c.status == Status.QUALIFIED.value
            )
        )
    ).first()
    if row is None:
        return False
    settings = await get_settings(conn)
    if not refund_rejects(settings, amount=amount, refunded=refunded):
        return False
    result = await conn.execute(
        referrals.update()
        .where(referrals.c.id == row.id, referrals.c.status == Status.QUALIFIED.value)
        .values(status=Status.REJECTED.value, reason=Reason.ORDER_REFUNDED.value, updated_at=now)
    )
    return bool(result.rowcount)


async def grant_due(uow: AbstractUnitOfWork, *, now: datetime | None = None) -> int:
    """Grants every QUALIFIED referral whose hold has passed, each in its own transaction (the
    unit of work used once per referral): a re-run, or two runners at once, grant each once."""
    now = now or uow.clock.now()
    async with uow.read() as conn:
        due = (
            (
                await conn.execute(
                    select(referrals.c.id)
                    .where(
                        referrals.c.status == Status.QUALIFIED.value,
                        referrals.c.reward_due_at <= now,
                    )
                    .order_by(referrals.c.id)
                    .limit(10_000)
                )
            )
            .scalars()
            .all()
        )
    granted = 0
    for referral_id in due:
        async with uow:
            claimed = await uow.conn.scalar(
                skip_locked(
                    select(referrals.c.id).where(
                        referrals.c.id == referral_id,
                        referrals.c.status == Status.QUALIFIED.value,
                    ),
                    uow.conn,
                )
            )
            if claimed is None:
                continue  # granted, rejected, or being granted by another runner
            settings = await get_settings(uow.conn)
            if await grant(uow, int(referral_id), settings, now=now):
                granted += 1
    return granted


async def lock_member(conn: AsyncConnection, pk: int) -> Member:
    await sqlite_write_lock(conn, members, members.c.id == pk, "updated_at")
    row = (await conn.execute(select(members).where(members.c.id == pk).with_for_update())).one()
    return member_from_row(row)

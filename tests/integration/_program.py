"""Helpers for the program-area tests (tiers, rewards, expiry, notifications): members with
points posted through the ledger's own posting service, tiers and rewards created through the
services under test, and counts of what was written."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.db.ledger import ledger_entries
from loyalty.db.outbox import chain_requests
from loyalty.db.program import redemptions, reward_configs, rewards
from loyalty.domain.ledger import EntryType
from loyalty.domain.rewards import RewardConfig, RewardInput, RewardType
from loyalty.domain.tiers import TierInput
from loyalty.services.ledger import post_entry
from loyalty.services.members import ensure_member
from loyalty.services.rewards import create_reward
from loyalty.services.tiers import create_tier
from tests.support.ledger import CUSTODY
from tests.support.uow import uow_for


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


async def post(
    engine: AsyncEngine, member_id: str, type_: EntryType, points: int, *, now: datetime
) -> None:
    async with uow_for(engine) as uow:
        member, _ = await ensure_member(uow.conn, member_id, CUSTODY, now=now)
        await post_entry(uow, member, type_, points, now=now, description="test")


async def earn(engine: AsyncEngine, member_id: str, points: int, *, now: datetime) -> None:
    await post(engine, member_id, EntryType.EARN, points, now=now)


async def tier(engine: AsyncEngine, name: str, required: int, *, now: datetime) -> str:
    return (await create_tier(uow_for(engine), TierInput(name, required), now=now)).id


async def reward(
    engine: AsyncEngine,
    *configs: tuple[str | None, str, int],
    name: str = "5 off",
    active: bool = True,
    now: datetime | None = None,
) -> str:
    data = RewardInput(
        name,
        RewardType.DISCOUNT_AMOUNT,
        tuple(RewardConfig(t, Decimal(amount), cost) for t, amount, cost in configs),
        active,
    )
    return (await create_reward(uow_for(engine), data, now=now or datetime.now(UTC))).id


async def count(engine: AsyncEngine, table, *where) -> int:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        query = select(func.count()).select_from(table).where(*where)
        return int((await conn.execute(query)).scalar_one())


async def written(engine: AsyncEngine) -> tuple[int, ...]:
    """(ledger entries, chain requests, redemptions, rewards, reward configs)."""
    return (
        await count(engine, ledger_entries),
        await count(engine, chain_requests),
        await count(engine, redemptions),
        await count(engine, rewards),
        await count(engine, reward_configs),
    )

"""Tiers on SQLite and PostgreSQL: CRUD with unique thresholds, members' tiers at the boundary,
the rolling window moving a member down, a refund (reversal) moving a member down, and per-tier
earning rates applied by the tier at the moment of the activity."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.db.engine import make_async_engine
from loyalty.db.ledger import ledger_entries
from loyalty.db.program import member_tiers
from loyalty.db.rules import tiers
from loyalty.domain.errors import Conflict, InvalidInput, NotFound, RevisionMismatch
from loyalty.domain.ledger import EntryType
from loyalty.domain.points import Money
from loyalty.domain.rules import ConversionRateConfig, RuleInput
from loyalty.domain.tiers import TierChanges, TierInput
from loyalty.services.activities import record_activity
from loyalty.services.activity_model import ActivityInput
from loyalty.services.members import get_member
from loyalty.services.program import ProgramChanges, get_program, update_program
from loyalty.services.rules import create_rule
from loyalty.services.tiers import (
    create_tier,
    current_tier_id,
    delete_tier,
    list_tiers,
    roll_tiers,
    update_tier,
)
from tests.integration._program import at, count, earn, post, tier
from tests.support.ledger import CUSTODY, ORDER_PAID, RULES, STORES
from tests.support.uow import uow_for

T0 = at(2025, 1, 10)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_async_engine(database_url)
    yield eng
    await eng.dispose()


async def member_tier(engine: AsyncEngine, member_id: str) -> str | None:
    async with engine.connect() as conn:
        member = await get_member(conn, member_id)
        return await current_tier_id(conn, member.pk)


async def test_tier_crud_keeps_thresholds_unique_and_revisions_current(engine: AsyncEngine) -> None:
    silver = await tier(engine, "Silver", 100, now=T0)
    async with uow_for(engine) as uow:
        with pytest.raises(Conflict):
            await create_tier(uow, TierInput("Also silver", 100), now=T0)
    async with uow_for(engine) as uow:
        with pytest.raises(RevisionMismatch):
            await update_tier(uow, silver, TierChanges(name="S"), revision=5, now=T0)
    async with uow_for(engine) as uow:
        changed = await update_tier(
            uow, silver, TierChanges(required_points=150), revision=1, now=T0
        )
    assert (changed.revision, changed.required_points) == (2, 150)
    async with uow_for(engine) as uow:
        with pytest.raises(InvalidInput):
            await create_tier(uow, TierInput("Too much", 10_000_000), now=T0)
    async with engine.connect() as conn:
        assert [t.name for t in await list_tiers(conn)] == ["Silver"]
    async with uow_for(engine) as uow:
        await delete_tier(uow, silver, revision=2, now=T0)
    async with uow_for(engine) as uow:
        with pytest.raises(NotFound):
            await delete_tier(uow, silver, revision=2, now=T0)
    assert await count(engine, tiers) == 0


async def test_member_reaches_a_tier_exactly_at_its_threshold(engine: AsyncEngine) -> None:
    silver = await tier(engine, "Silver", 100, now=T0)
    await earn(engine, "m1", 99, now=T0)
    assert await member_tier(engine, "m1") is None
    await earn(engine, "m1", 1, now=T0)
    assert await member_tier(engine, "m1") == silver


async def test_creating_a_tier_places_existing_members(engine: AsyncEngine) -> None:
    await earn(engine, "m1", 250, now=T0)
    gold = await tier(engine, "Gold", 200, now=T0)
    assert await member_tier(engine, "m1") == gold


async def test_reversal_moves_a_member_down(engine: AsyncEngine) -> None:
    silver = await tier(engine, "Silver", 100, now=T0)
    await earn(engine, "m1", 120, now=T0)
    assert await member_tier(engine, "m1") == silver
    await post(engine, "m1", EntryType.REVERSE, -30, now=T0)
    assert await member_tier(engine, "m1") is None


async def test_rolling_window_moves_a_member_down_when_old_points_leave_it(
    engine: AsyncEngine,
) -> None:
    silver = await tier(engine, "Silver", 100, now=T0)
    async with uow_for(engine) as uow:
        await update_program(uow, ProgramChanges(tiers_window_months=3), revision=1)
    await earn(engine, "m1", 60, now=at(2025, 1, 10))
    await earn(engine, "m1", 60, now=at(2025, 2, 10))
    assert await member_tier(engine, "m1") == silver
    # both still inside the window:
    assert await roll_tiers(uow_for(engine), now=at(2025, 4, 9)) == []
    assert await member_tier(engine, "m1") == silver
    [change] = await roll_tiers(uow_for(engine), now=at(2025, 4, 10))  # January's points left
    assert (change.tier_id, change.previous_tier_id, change.tier_points) == (None, silver, 60)
    assert await member_tier(engine, "m1") is None
    async with engine.connect() as conn:
        row = (await conn.execute(select(member_tiers))).one()
    assert row.next_check_at is not None  # February's points will leave too


async def test_per_tier_rates_apply_by_the_tier_at_the_moment_of_the_activity(
    engine: AsyncEngine,
) -> None:
    gold = await tier(engine, "Gold", 100, now=T0)
    async with uow_for(engine) as uow:
        rule = await create_rule(
            uow,
            RuleInput(
                title="Purchase",
                trigger_app_id=STORES,
                trigger_activity_type=ORDER_PAID,
                conversion_rate=(
                    ConversionRateConfig(None, Decimal(1), 1),
                    ConversionRateConfig(gold, Decimal(1), 3),
                ),
            ),
        )

    async def buy(key: str, value: str) -> None:
        await record_activity(
            uow_for(engine),
            ActivityInput(
                idempotency_key=key,
                member_id="m1",
                activity_type=ORDER_PAID,
                trigger_app_id=STORES,
                order_id=key,
                amount=Money(Decimal(value), "USD"),
            ),
            source="api",
            custody=CUSTODY,
            currency="USD",
            rules=RULES,
        )

    await buy("o1", "100")  # base: 100 points, which reaches Gold
    await buy("o2", "10")  # gold: 30 points
    async with engine.connect() as conn:
        points = (
            (
                await conn.execute(
                    select(ledger_entries.c.points)
                    .where(ledger_entries.c.rule_id == rule.id)
                    .order_by(ledger_entries.c.id)
                )
            )
            .scalars()
            .all()
        )
    assert points == [100, 30]


async def test_a_tier_used_by_a_rule_cannot_be_deleted(engine: AsyncEngine) -> None:
    gold = await tier(engine, "Gold", 100, now=T0)
    async with uow_for(engine) as uow:
        await create_rule(
            uow,
            RuleInput(
                title="Purchase",
                trigger_app_id=STORES,
                trigger_activity_type=ORDER_PAID,
                conversion_rate=(ConversionRateConfig(gold, Decimal(1), 3),),
            ),
        )
    async with uow_for(engine) as uow:
        with pytest.raises(InvalidInput):
            await delete_tier(uow, gold, revision=1, now=T0)
    assert await count(engine, tiers) == 1


async def test_program_window_is_validated_and_revisioned(engine: AsyncEngine) -> None:
    async with uow_for(engine) as uow:
        with pytest.raises(InvalidInput):
            await update_program(uow, ProgramChanges(tiers_window_months=0), revision=1)
    async with uow_for(engine) as uow:
        with pytest.raises(RevisionMismatch):
            await update_program(uow, ProgramChanges(tiers_window_months=6), revision=9)
    async with engine.connect() as conn:
        program = await get_program(conn)
    assert (program.tiers_window_months, program.revision) == (12, 1)

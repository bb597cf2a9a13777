"""Earning rules stored and read back on SQLite and PostgreSQL (service layer, no HTTP)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.db.engine import make_async_engine
from loyalty.db.rules import tiers
from loyalty.domain.errors import (
    Conflict,
    InvalidInput,
    NotDeletable,
    NotFound,
    RevisionMismatch,
    UnknownTier,
)
from loyalty.domain.rules import (
    PRE_INSTALLED_RULES,
    ConversionRateConfig,
    FixedAmountConfig,
    RuleChanges,
    RuleInput,
    RuleStatus,
)
from loyalty.services import rules as svc
from tests.support.uow import uow_for


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_async_engine(database_url)
    yield eng
    await eng.dispose()


async def add_tier(engine: AsyncEngine, required_points: int) -> str:
    tier_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            tiers.insert().values(
                id=tier_id,
                name=f"tier {required_points}",
                required_points=required_points,
                revision=1,
                created_date=now,
                updated_date=now,
            )
        )
    return tier_id


def stores_rule(title: str = "Buy", **kw: object) -> RuleInput:
    base: dict[str, object] = {
        "title": title,
        "trigger_app_id": "stores",
        "trigger_activity_type": "stores/OrderPaid",
        "conversion_rate": (ConversionRateConfig(None, Decimal("0.10"), 3),),
    }
    base.update(kw)
    return RuleInput(**base)  # type: ignore[arg-type]


async def test_the_three_pre_installed_rules_exist_active_and_undeletable(engine) -> None:
    async with engine.connect() as conn:
        page = await svc.list_rules(conn)
    seeded = {rule.id: rule for _cursor, rule in page.rules}
    assert set(seeded) == {r.id for r in PRE_INSTALLED_RULES}
    for expected in PRE_INSTALLED_RULES:
        rule = seeded[expected.id]
        assert rule.status is RuleStatus.ACTIVE
        assert rule.can_be_deleted is False
        assert (rule.title, rule.trigger_app_id, rule.trigger_activity_type) == (
            expected.title,
            expected.trigger_app_id,
            expected.trigger_activity_type,
        )
        assert rule.conversion_rate == (expected.conversion_rate,)


async def test_create_read_update_delete_round_trip_exact_money(engine) -> None:
    gold = await add_tier(engine, 1000)
    async with uow_for(engine) as uow:
        created = await svc.create_rule(
            uow,
            stores_rule(
                conversion_rate=(
                    ConversionRateConfig(None, Decimal("0.10"), 3),
                    ConversionRateConfig(gold, Decimal("12345678.123456"), 7),
                )
            ),
        )
    async with engine.connect() as conn:
        read = await svc.get_rule(conn, created.id)
    assert read == created
    assert read.conversion_rate is not None
    assert read.conversion_rate[1].money_amount == Decimal("12345678.123456")
    assert read.revision == 1 and read.can_be_deleted

    async with uow_for(engine) as uow:
        updated = await svc.update_rule(
            uow,
            created.id,
            revision=1,
            changes=RuleChanges(
                status=RuleStatus.PAUSED, fixed_amount=(FixedAmountConfig(None, 5),)
            ),
        )
    assert updated.revision == 2 and updated.conversion_rate is None
    async with engine.connect() as conn:
        assert await svc.get_rule(conn, created.id) == updated
        assert (
            await svc.matching_rules(
                conn, trigger_app_id="stores", activity_type="stores/OrderPaid"
            )
            == []
        )

    async with uow_for(engine) as uow:
        with pytest.raises(RevisionMismatch):
            await svc.delete_rule(uow, created.id, revision=1)
    async with uow_for(engine) as uow:
        await svc.delete_rule(uow, created.id, revision=2)
    async with engine.connect() as conn:
        with pytest.raises(NotFound):
            await svc.get_rule(conn, created.id)


async def test_refusals_change_nothing(engine) -> None:
    async with engine.connect() as conn:
        before = await svc.count_rules(conn)
    bad = [
        (stores_rule(conversion_rate=(ConversionRateConfig("nope", Decimal(1), 1),)), UnknownTier),
        (stores_rule(title="x" * 51), InvalidInput),
        (stores_rule(trigger_activity_type=""), InvalidInput),
    ]
    for item, error in bad:
        async with uow_for(engine) as uow:
            with pytest.raises(error):
                await svc.create_rule(uow, item)
    async with engine.connect() as conn:
        assert await svc.count_rules(conn) == before


async def test_same_title_for_same_trigger_is_a_duplicate(engine) -> None:
    async with uow_for(engine) as uow:
        await svc.create_rule(uow, stores_rule("Buy things"))
    async with uow_for(engine) as uow:
        with pytest.raises(Conflict):
            await svc.create_rule(uow, stores_rule("BUY THINGS"))


async def test_pre_installed_rule_can_be_paused_but_not_deleted(engine) -> None:
    rule_id = PRE_INSTALLED_RULES[0].id
    async with uow_for(engine) as uow:
        with pytest.raises(NotDeletable, match="only be paused"):
            await svc.delete_rule(uow, rule_id, revision=1)
    async with uow_for(engine) as uow:
        paused = await svc.update_rule(
            uow, rule_id, revision=1, changes=RuleChanges(status=RuleStatus.PAUSED)
        )
    assert paused.status is RuleStatus.PAUSED


async def test_pages_walk_every_rule_once(engine) -> None:
    results = await svc.bulk_create(uow_for(engine), [stores_rule(f"rule {i}") for i in range(7)])
    assert all(not isinstance(r, Exception) for r in results)
    seen: list[str] = []
    after = None
    async with engine.connect() as conn:
        while True:
            page = await svc.list_rules(
                conn, where=svc.RuleFilter(trigger_app_id="stores"), first=3, after=after
            )
            seen += [rule.id for _c, rule in page.rules]
            if not page.has_next_page:
                break
            after = page.end_cursor
    assert seen == [r.id for r in results if not isinstance(r, Exception)]


async def test_bulk_create_reports_each_item(engine) -> None:
    results = await svc.bulk_create(
        uow_for(engine), [stores_rule("ok"), stores_rule("x" * 51), stores_rule("ok")]
    )
    assert not isinstance(results[0], Exception)
    assert isinstance(results[1], InvalidInput)
    assert isinstance(results[2], Conflict)

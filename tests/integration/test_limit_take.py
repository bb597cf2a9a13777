"""Taking awards from limits on SQLite and PostgreSQL, the way the earning path does it: a budget
row about to run out is cut and the rows that had taken the award are put back, a first award
above a cap, a repeated order taking nothing while the budget has room, one read of what a
member used of every owner (net of refunds, each owner in its own period), and what caps cost
in statements (one read and one statement for every budget per activity; nine per award
before)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.db.engine import make_async_engine
from loyalty.db.ledger import members
from loyalty.domain.campaigns import CampaignInput, CampaignStatus, Effect, EffectKind, Window
from loyalty.domain.clock import FixedClock
from loyalty.domain.limits import Budget, Limits, MemberLimit, Period, PeriodUnit
from loyalty.domain.points import Money
from loyalty.services.activities import record_activity
from loyalty.services.activity_model import ActivityInput, ActivityOutcome
from loyalty.services.campaigns import create_campaign
from loyalty.services.limit_take import members_used
from loyalty.services.limits import OwnerKind, budget_used, member_used, set_limits
from loyalty.services.refunds import RefundInput, record_refund
from tests.support.ledger import CUSTODY, ORDER_PAID, RULES, STORES, add_fixed_rule, add_rate_rule
from tests.support.uow import uow_for

DAY1 = datetime(2026, 12, 1, 12, tzinfo=UTC)
REVIEW = "reviews/ReviewPosted"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_async_engine(database_url)
    yield eng
    await eng.dispose()


def review(key: str, member: str = "m1") -> ActivityInput:
    return ActivityInput(
        idempotency_key=key, member_id=member, activity_type=REVIEW, trigger_app_id="reviews"
    )


def purchase(key: str, order: str, value: str, member: str = "m1") -> ActivityInput:
    return ActivityInput(
        idempotency_key=key,
        member_id=member,
        activity_type=ORDER_PAID,
        trigger_app_id=STORES,
        order_id=order,
        amount=Money(Decimal(value), "USD"),
    )


async def record(engine: AsyncEngine, inp: ActivityInput, clock: FixedClock) -> ActivityOutcome:
    return await record_activity(
        uow_for(engine, clock=clock),
        inp,
        source="api",
        custody=CUSTODY,
        currency="USD",
        rules=RULES,
    )


async def usage(engine: AsyncEngine, rule_id: str) -> dict[str, int]:
    async with engine.connect() as conn:
        return dict(await budget_used(conn, (OwnerKind.RULE, rule_id)))


async def test_a_row_about_to_run_out_cuts_and_the_rows_that_took_it_are_put_back(
    engine: AsyncEngine,
) -> None:
    rule = await add_fixed_rule(engine, REVIEW, 30)
    day = Budget(total=60, per_period=50, period=Period(PeriodUnit.DAY))
    await set_limits(uow_for(engine), (OwnerKind.RULE, rule), Limits(budget=day))
    clock = FixedClock(DAY1)
    got = [(await record(engine, review(f"a{i}"), clock)).awards[0] for i in range(2)]
    # The second: the day's row would pass 50 while the total had room (its 30 put back).
    assert [a.points for a in got] == [30, 20]
    assert got[1].limit_reason == (
        "cut from 30 to 20 points: a budget of 50 points per day (30 used, leaves 20)"
    )
    assert await usage(engine, rule) == {"2026-12-01": 50, "total": 50}
    clock.advance(timedelta(days=1))
    # A fresh day's row takes 30, the total would pass 60: the day's 30 is put back.
    third = (await record(engine, review("a2"), clock)).awards[0]
    assert third.points == 10
    assert third.limit_reason == (
        "cut from 30 to 10 points: a total budget of 60 points (50 used, leaves 10)"
    )
    assert await usage(engine, rule) == {"2026-12-01": 50, "2026-12-02": 10, "total": 60}
    fourth = (await record(engine, review("a3", "m2"), clock)).awards[0]
    assert (fourth.points, fourth.entry_id) == (0, None)
    assert await usage(engine, rule) == {"2026-12-01": 50, "2026-12-02": 10, "total": 60}


async def test_a_first_award_above_a_cap_is_cut_to_it(engine: AsyncEngine) -> None:
    rule = await add_fixed_rule(engine, REVIEW, 70)
    limits = Limits(
        MemberLimit(1000, Period(PeriodUnit.WEEK)),
        Budget(total=1000, per_period=50, period=Period(PeriodUnit.MONTH)),
    )
    await set_limits(uow_for(engine), (OwnerKind.RULE, rule), limits)
    award = (await record(engine, review("a0"), FixedClock(DAY1))).awards[0]
    assert award.points == 50
    assert award.limit_reason == (
        "cut from 70 to 50 points: a budget of 50 points per month (0 used, leaves 50)"
    )
    assert await usage(engine, rule) == {"2026-12": 50, "total": 50}


async def test_the_same_order_again_takes_nothing_while_the_budget_has_room(
    engine: AsyncEngine,
) -> None:
    rule = await add_rate_rule(engine, per="1", points=1)
    await set_limits(uow_for(engine), (OwnerKind.RULE, rule), Limits(budget=Budget(total=1000)))
    clock = FixedClock(DAY1)
    first = await record(engine, purchase("k1", "o1", "25"), clock)
    again = await record(engine, purchase("k2", "o1", "25"), clock)
    assert first.awards[0].points == 25 and not first.awards[0].already_awarded
    assert again.awards[0].already_awarded and again.awards[0].limit_reason is None
    assert again.awards[0].entry_id is None
    assert await usage(engine, rule) == {"total": 25}


async def test_one_read_gives_what_the_member_used_of_each_owner(engine: AsyncEngine) -> None:
    rule = await add_rate_rule(engine, per="1", points=1)
    other = await add_rate_rule(engine, per="1", points=2, title="Double")
    campaign = await create_campaign(
        uow_for(engine),
        CampaignInput(
            title="Bonus",
            window=Window(DAY1 - timedelta(days=30)),
            effect=Effect(EffectKind.BONUS_POINTS, bonus_points=5),
            status=CampaignStatus.ACTIVE,
        ),
        now=DAY1 - timedelta(days=30),
    )
    owners = {
        (OwnerKind.RULE, rule): Limits(MemberLimit(10_000, Period(PeriodUnit.MONTH))),
        (OwnerKind.RULE, other): Limits(MemberLimit(10_000, Period(PeriodUnit.ROLLING_DAYS, 1))),
        (OwnerKind.CAMPAIGN, campaign.id): Limits(MemberLimit(10_000, Period(PeriodUnit.DAY))),
    }
    for owner, limits in owners.items():
        await set_limits(uow_for(engine), owner, limits)
    clock = FixedClock(DAY1)
    await record(engine, purchase("k1", "o1", "40"), clock)
    await record(engine, purchase("k2", "o2", "10", member="m2"), clock)
    clock.advance(timedelta(hours=20))
    await record(engine, purchase("k3", "o3", "30"), clock)
    refund = RefundInput("r1", "o1", amount=Decimal("10"))
    await record_refund(uow_for(engine, clock=clock), refund, source="refund")
    clock.advance(timedelta(hours=5))  # 25 h after o1: the next day, past the rolling 24 h
    now = clock.now()
    async with engine.connect() as conn:
        m1 = await conn.scalar(select(members.c.id).where(members.c.member_id == "m1"))
        since = {
            owner: limits.per_member.period.bounds(now, UTC)[0]
            for owner, limits in owners.items()
            if limits.per_member is not None
        }
        together = await members_used(conn, m1, since)
        one_by_one = {
            owner: await member_used(conn, owner, m1, since=start) for owner, start in since.items()
        }
    assert together == one_by_one
    # o1 (40, a quarter refunded) and o3 (30) this month; only o3's 60 in the last 24 h; only
    # o3's bonus today (o1's was yesterday); m2's awards are not m1's.
    assert together == {
        (OwnerKind.RULE, rule): 30 + 30,
        (OwnerKind.RULE, other): 60,
        (OwnerKind.CAMPAIGN, campaign.id): 5,
    }


async def test_caps_cost_one_read_and_one_budget_statement_per_activity(
    engine: AsyncEngine,
) -> None:
    rules = [await add_rate_rule(engine, title=f"Rule {i}") for i in range(2)]
    clock = FixedClock(DAY1)
    sent = [0]

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(*_: object) -> None:
        sent[0] += 1

    async def statements(key: str) -> int:
        before = sent[0]
        await record(engine, purchase(key, f"order-{key}", "20"), clock)
        return sent[0] - before

    await record(engine, purchase("warm", "order-warm", "20"), clock)  # the member, the config
    alone = await statements("alone")
    limits = Limits(
        MemberLimit(10_000, Period(PeriodUnit.DAY)),
        Budget(total=1_000_000, per_period=100_000, period=Period(PeriodUnit.MONTH)),
    )
    for rule in rules:
        await set_limits(uow_for(engine), (OwnerKind.RULE, rule), limits)
    await record(engine, purchase("reload", "order-reload", "20"), clock)  # the new config
    capped = await statements("capped")
    assert capped - alone == 2  # 18 before: 9 per capped award

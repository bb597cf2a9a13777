"""Held points (the return window) on SQLite and PostgreSQL, through the use cases with a fixed
clock: a held award moves nothing and writes no chain request; a refund inside the window
cancels its share without any chain request; the activation job posts what is left once, with
one mint; a redemption never spends held points; the program's holdDays applies where a rule
has none, and a rule's overrides it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.jobs import run_program_jobs
from loyalty.db.engine import make_async_engine
from loyalty.db.holds import held_points
from loyalty.db.ledger import ledger_entries
from loyalty.db.outbox import chain_requests
from loyalty.domain.clock import FixedClock
from loyalty.domain.expiry import ExpirationPolicy, ExpirationStatus
from loyalty.domain.rewards import InsufficientPoints, PointsHeld
from loyalty.domain.rules import ConversionRateConfig, RuleChanges, RuleInput, RuleStatus
from loyalty.notify.config import NotifyConfig
from loyalty.services.activities import record_activity
from loyalty.services.adjustments import AdjustInput, adjust_points
from loyalty.services.expiry import plan
from loyalty.services.holds import activate_held, held_lists, held_totals
from loyalty.services.program import ProgramChanges, get_program, update_program
from loyalty.services.redemptions import redeem_reward
from loyalty.services.refunds import RefundInput, record_refund
from loyalty.services.rules import create_rule, update_rule
from tests.integration._program import reward
from tests.integration.test_activities import purchase
from tests.support.cli import run_cli
from tests.support.ledger import CUSTODY, ORDER_PAID, RULES, STORES, written
from tests.support.reads import account_of
from tests.support.uow import uow_for

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DAY = timedelta(days=1)
PAUSED = RuleStatus.PAUSED


@dataclass
class Shop:
    engine: AsyncEngine
    clock: FixedClock

    def uow(self):  # type: ignore[no-untyped-def]
        return uow_for(self.engine, clock=self.clock)

    async def rule(self, hold_days: int | None, *, title: str = "Purchase") -> str:
        rule = await create_rule(
            self.uow(),
            RuleInput(
                title=title,
                trigger_app_id=STORES,
                trigger_activity_type=ORDER_PAID,
                conversion_rate=(ConversionRateConfig(None, Decimal(1), 1),),  # 1 per USD
                hold_days=hold_days,
            ),
        )
        return rule.id

    async def buy(self, key: str, value: str, *, order: str = "o1", member: str = "m1"):  # type: ignore[no-untyped-def]
        return await record_activity(
            self.uow(),
            purchase(key, value=value, order=order, member=member),
            source="api",
            custody=CUSTODY,
            currency="USD",
            rules=RULES,
        )

    async def refund(self, key: str, amount: str, *, order: str = "o1"):  # type: ignore[no-untyped-def]
        return await record_refund(
            self.uow(), RefundInput(key, order, amount=Decimal(amount)), source="refund"
        )

    async def activate(self, *, dry_run: bool = False):  # type: ignore[no-untyped-def]
        return await activate_held(self.uow(), dry_run=dry_run)

    async def requests(self) -> list[tuple[str, int]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(chain_requests).order_by(chain_requests.c.id))
            return [(r.kind, int(r.amount)) for r in rows]

    async def entries(self) -> list[tuple[str, int, int]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(ledger_entries).order_by(ledger_entries.c.id))
            return [(r.type, int(r.points), int(r.delta)) for r in rows]

    async def holds(self) -> list[tuple[str, int, int]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(held_points).order_by(held_points.c.entry_id))
            return [(r.status, int(r.points), int(r.remaining)) for r in rows]

    async def held(self, member_id: str = "m1") -> int:
        pk = (await account_of(self.engine, member_id)).member.pk
        async with self.engine.connect() as conn:
            return (await held_totals(conn, [pk]))[pk]

    async def balance(self, member_id: str = "m1") -> int:
        return (await account_of(self.engine, member_id)).member.totals.balance


@pytest.fixture
async def shop(database_url: str) -> AsyncIterator[Shop]:
    engine = make_async_engine(database_url)
    yield Shop(engine, FixedClock(T0))
    await engine.dispose()


async def test_a_held_award_moves_nothing_and_writes_no_chain_request(shop: Shop) -> None:
    await shop.rule(14)
    out = await shop.buy("p1", "40")
    [award] = out.awards
    assert (award.points, award.balance_change) == (40, 0)
    assert await shop.entries() == [("EARN", 40, 0)]
    assert await shop.requests() == []
    assert (await shop.balance(), await shop.held()) == (0, 40)
    account = (await account_of(shop.engine, "m1")).member
    async with shop.engine.connect() as conn:
        [held] = (await held_lists(conn, [account.pk]))[account.pk]
    assert (held.points, held.hold_days, held.available_at) == (40, 14, T0 + 14 * DAY)


async def test_a_refund_inside_the_window_cancels_without_any_chain_request(shop: Shop) -> None:
    await shop.rule(14)
    await shop.buy("p1", "40")
    shop.clock.advance(3 * DAY)
    out = await shop.refund("r1", "40")
    assert (out.points_reversed, out.points_cancelled, out.points_taken) == (40, 40, 0)
    assert await shop.entries() == [("EARN", 40, 0), ("REVERSE", -40, 0)]
    assert await shop.holds() == [("CANCELLED", 40, 0)]
    assert await shop.requests() == []  # the outbox: nothing for the minter, ever
    shop.clock.advance(30 * DAY)
    assert (await shop.activate()).activated == []
    assert await shop.requests() == []
    assert (await shop.balance(), await shop.held()) == (0, 0)


async def test_after_the_window_what_is_left_is_activated_and_minted_exactly_once(
    shop: Shop,
) -> None:
    await shop.rule(14)
    await shop.buy("p1", "100")
    shop.clock.advance(2 * DAY)
    part = await shop.refund("r1", "25")  # inside the window: 25 of 100 cancelled
    assert (part.points_cancelled, part.points_taken) == (25, 0)
    assert (await shop.held(), await shop.requests()) == (75, [])
    shop.clock.at = T0 + 14 * DAY - timedelta(seconds=1)
    assert (await shop.activate()).activated == []  # not yet
    shop.clock.at = T0 + 14 * DAY
    dry = await shop.activate(dry_run=True)
    assert (dry.dry_run, dry.total, await shop.requests()) == (True, 75, [])
    run = await shop.activate()
    assert [(d.member_id, d.points) for d in run.activated] == [("m1", 75)]
    assert (await shop.activate()).activated == []  # a re-run finds nothing
    assert await shop.requests() == [("MINT", 75)]
    assert await shop.holds() == [("ACTIVE", 100, 75)]
    assert (await shop.balance(), await shop.held()) == (75, 0)
    assert (await shop.entries())[-1] == ("ACTIVATE", 75, 75)
    # A refund after activation reverses minted points as always: a burn.
    shop.clock.advance(DAY)
    late = await shop.refund("r2", "75")
    assert (late.points_reversed, late.points_taken, late.points_cancelled) == (75, 75, 0)
    assert await shop.requests() == [("MINT", 75), ("BURN", 75)]
    assert await shop.balance() == 0


async def test_a_redemption_never_spends_held_points(shop: Shop) -> None:
    await shop.rule(14, title="Held")
    await shop.rule(0, title="Unheld")
    await shop.buy("p1", "40")  # 40 held + 40 available
    assert (await shop.balance(), await shop.held()) == (40, 40)
    rid = await reward(shop.engine, (None, "5", 60), now=T0)
    before = await written(shop.engine)
    with pytest.raises(PointsHeld) as caught:
        await redeem_reward(shop.uow(), "m1", rid, "k1")
    assert caught.value.code == "POINTS_HELD"
    assert isinstance(caught.value, InsufficientPoints)
    assert (T0 + 14 * DAY).isoformat() in str(caught.value)
    assert await written(shop.engine) == before
    big = await reward(shop.engine, (None, "50", 1000), name="big", now=T0)
    with pytest.raises(InsufficientPoints) as short:  # not even with every held point
        await redeem_reward(shop.uow(), "m1", big, "k2")
    assert short.value.code == "INSUFFICIENT_POINTS"
    assert await written(shop.engine) == before
    shop.clock.advance(14 * DAY)
    await shop.activate()
    redeemed = await redeem_reward(shop.uow(), "m1", rid, "k3")
    assert redeemed.cost_in_points == 60 and await shop.balance() == 20


async def test_the_program_hold_applies_where_a_rule_has_none_and_a_rule_overrides_it(
    shop: Shop,
) -> None:
    program = await get_program_now(shop)
    await update_program(shop.uow(), ProgramChanges(hold_days=30), revision=program.revision)
    await shop.rule(None, title="Program's hold")
    await shop.rule(0, title="Never held")
    out = await shop.buy("p1", "10")
    assert sorted(a.balance_change for a in out.awards) == [0, 10]
    account = (await account_of(shop.engine, "m1")).member
    async with shop.engine.connect() as conn:
        [held] = (await held_lists(conn, [account.pk]))[account.pk]
    assert (held.hold_days, held.available_at, held.points) == (30, T0 + 30 * DAY, 10)
    assert await shop.requests() == [("MINT", 10)]


async def test_a_debt_is_netted_when_held_points_are_activated_not_when_awarded(
    shop: Shop,
) -> None:
    now_rule = await shop.rule(0, title="Now")
    await shop.buy("p1", "50", order="o1")
    await adjust_points(shop.uow(), AdjustInput("spend", "m1", "spent", amount=-50))
    await shop.refund("r1", "50", order="o1")  # nothing left to take: 50 owed
    assert (await account_of(shop.engine, "m1")).member.totals.debt == 50
    await update_rule(shop.uow(), now_rule, revision=1, changes=RuleChanges(status=PAUSED))
    await shop.rule(7, title="Held")
    await shop.buy("p2", "80", order="o2")
    totals = (await account_of(shop.engine, "m1")).member.totals
    assert (totals.debt, totals.balance, await shop.held()) == (50, 0, 80)
    shop.clock.advance(7 * DAY)
    await shop.activate()
    totals = (await account_of(shop.engine, "m1")).member.totals
    assert (totals.debt, totals.balance, await shop.held()) == (0, 30, 0)
    assert (await shop.entries())[-1] == ("ACTIVATE", 80, 30)
    assert await shop.requests() == [("MINT", 50), ("BURN", 50), ("MINT", 30)]


async def test_expiry_counts_from_activation(shop: Shop) -> None:
    program = await get_program_now(shop)
    policy = ExpirationPolicy(ExpirationStatus.ENABLED, 1, 100)
    await update_program(
        shop.uow(), ProgramChanges(points_expiration=policy), revision=program.revision
    )
    await shop.rule(20)
    await shop.buy("p1", "10")
    async with shop.engine.connect() as conn:  # held points never expire
        assert await plan(conn, policy, now=T0 + 200 * DAY) == []
    shop.clock.advance(20 * DAY)
    await shop.activate()
    async with shop.engine.connect() as conn:
        # a month after the purchase is 11 days after activation: not due
        assert await plan(conn, policy, now=T0 + 31 * DAY) == []
        [due] = await plan(conn, policy, now=T0 + 20 * DAY + 31 * DAY)
    assert due.expiring_points == 10


async def get_program_now(shop: Shop):  # type: ignore[no-untyped-def]
    async with shop.engine.connect() as conn:
        return await get_program(conn)


async def test_the_minters_periodic_jobs_activate_due_holds(shop: Shop) -> None:
    await shop.rule(3)
    await shop.buy("p1", "12")
    notify = NotifyConfig(webhook_key=None, smtp=None, mail_from="loyalty@example.com")
    report = await run_program_jobs(shop.engine, notify, now=T0 + 2 * DAY)
    assert report.held_activated == 0 and await shop.requests() == []
    report = await run_program_jobs(shop.engine, notify, now=T0 + 3 * DAY)
    assert (report.held_activated, report.held_points_activated) == (1, 12)
    assert await shop.requests() == [("MINT", 12)]


async def test_loyalty_activate_held_lists_then_activates_what_is_due(
    shop: Shop, database_url: str, tmp_path: Path
) -> None:
    await shop.rule(14)  # the shop's clock is in March 2026: long past for the command's clock
    await shop.buy("p1", "9")
    env = {"LOYALTY_DATABASE_URL": database_url}

    def cli(*args: str):  # type: ignore[no-untyped-def]
        return asyncio.to_thread(run_cli, tmp_path, env, "activate-held", *args)  # own loop

    dry = await cli("--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    listed = json.loads(dry.stdout)
    assert (listed["dryRun"], listed["total"]) == (True, 9)
    assert listed["activations"][0]["memberId"] == "m1"
    assert await shop.requests() == []
    done = await cli()
    assert done.returncode == 0 and "activated 9 held points of 1 awards" in done.stdout
    again = json.loads((await cli("--json")).stdout)
    assert again["total"] == 0
    assert await shop.requests() == [("MINT", 9)]


async def test_concurrent_activators_activate_each_hold_exactly_once_on_postgresql(
    postgres_url: str,
) -> None:
    engine = make_async_engine(postgres_url, pool_size=10, max_overflow=10)
    shop = Shop(engine, FixedClock(T0))
    try:
        await shop.rule(1)
        for i in range(20):
            await shop.buy(f"p{i}", str(10 + i), order=f"o{i}", member=f"m{i}")
        shop.clock.advance(DAY)
        runs = await asyncio.gather(*(shop.activate() for _ in range(6)))
        assert sum(len(r.activated) for r in runs) == 20  # each hold by exactly one of them
        assert sum(r.total for r in runs) == sum(10 + i for i in range(20))
        entries = await shop.entries()
        assert len([e for e in entries if e[0] == "ACTIVATE"]) == 20
        assert sorted(a for _, a in await shop.requests()) == sorted(10 + i for i in range(20))
        assert {s for s, _, _ in await shop.holds()} == {"ACTIVE"}
    finally:
        await engine.dispose()


async def test_a_refund_racing_the_activation_either_cancels_or_burns_never_both_on_postgresql(
    postgres_url: str,
) -> None:
    engine = make_async_engine(postgres_url, pool_size=10, max_overflow=10)
    shop = Shop(engine, FixedClock(T0))
    try:
        await shop.rule(1)
        for i in range(8):
            await shop.buy(f"p{i}", "10", order=f"o{i}", member=f"m{i}")
        shop.clock.advance(DAY)  # every hold is due: the job and the refunds race for them
        await asyncio.gather(
            shop.activate(), *(shop.refund(f"r{i}", "10", order=f"o{i}") for i in range(8))
        )
        holds = await shop.holds()
        requests = await shop.requests()
        activated = sum(1 for state, _, _ in holds if state == "ACTIVE")
        cancelled = sum(1 for state, _, _ in holds if state == "CANCELLED")
        assert activated + cancelled == 8
        # A cancelled hold wrote no request; an activated one a mint its refund burnt again.
        assert sorted(requests) == sorted([("MINT", 10)] * activated + [("BURN", 10)] * activated)
        for i in range(8):
            totals = (await account_of(engine, f"m{i}")).member.totals
            assert (totals.balance, totals.debt, await shop.held(f"m{i}")) == (0, 0, 0)
    finally:
        await engine.dispose()

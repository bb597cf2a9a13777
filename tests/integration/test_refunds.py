"""Refunds take an order's points back in proportion, never more than awarded, and carry a debt
when the points were spent; adjustments never go below zero. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.db.engine import make_async_engine
from loyalty.db.ledger import ledger_entries
from loyalty.db.outbox import BURN, MINT, chain_requests
from loyalty.domain.errors import Conflict, InvalidInput, NotFound
from loyalty.domain.ledger import InsufficientPoints
from loyalty.services.adjustments import AdjustInput, adjust_points
from loyalty.services.refunds import RefundInput, record_refund
from tests.integration.test_activities import purchase, record
from tests.support.ledger import add_rate_rule, written
from tests.support.reads import account_of
from tests.support.uow import uow_for


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_async_engine(database_url)
    await add_rate_rule(eng, per="1", points=1)  # 1 point per 1 USD
    yield eng
    await eng.dispose()


async def refund(engine: AsyncEngine, key: str, order: str = "o1", **kw):  # type: ignore[no-untyped-def]
    return await record_refund(uow_for(engine), RefundInput(key, order, **kw), source="refund")


async def adjust(engine: AsyncEngine, key: str, **kw):  # type: ignore[no-untyped-def]
    return await adjust_points(uow_for(engine), AdjustInput(key, "m1", "goodwill", **kw))


async def requests(engine: AsyncEngine) -> list[tuple[str, int]]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(chain_requests).order_by(chain_requests.c.id))).all()
    return [(r.kind, r.amount) for r in rows]


async def test_full_refund_takes_back_the_whole_award_with_a_burn(engine: AsyncEngine) -> None:
    await record(engine, purchase("p", value="99"))
    out = await refund(engine, "r1", amount=Decimal("99"))
    assert (out.points_reversed, out.points_taken, out.debt) == (99, 99, 0)
    totals = (await account_of(engine, "m1")).member.totals
    assert (totals.earned, totals.reversed, totals.balance) == (99, 99, 0)
    assert await requests(engine) == [(MINT, 99), (BURN, 99)]
    async with engine.connect() as conn:
        entries = (await conn.execute(select(ledger_entries).order_by(ledger_entries.c.id))).all()
    reverse = entries[-1]
    assert (reverse.type, reverse.points, reverse.reverses_entry_id) == (
        "REVERSE",
        -99,
        entries[0].id,
    )
    assert reverse.rule_id == entries[0].rule_id


async def test_two_partials_adding_up_to_the_whole_take_exactly_the_award(
    engine: AsyncEngine,
) -> None:
    await record(engine, purchase("p", value="99.99"))  # 99 points
    first = await refund(engine, "r1", amount=Decimal("33.32"))
    second = await refund(engine, "r2", amount=Decimal("66.67"))
    assert first.points_reversed == 32  # floor(99 * 33.32 / 99.99) = floor(32.99…)
    assert second.points_reversed == 67
    assert first.points_reversed + second.points_reversed == 99
    assert (await account_of(engine, "m1")).member.totals.balance == 0
    with pytest.raises(InvalidInput):  # nothing left to refund
        await refund(engine, "r3", amount=Decimal("0.01"))


async def test_refund_after_the_points_were_spent_takes_what_is_left_and_carries_a_debt(
    engine: AsyncEngine,
) -> None:
    await record(engine, purchase("p", value="100"))
    await adjust(engine, "spend", amount=-80)  # stands in for a redemption: 20 left
    out = await refund(engine, "r1", amount=Decimal("50"))
    assert (out.points_reversed, out.points_taken, out.debt) == (50, 20, 30)
    account = (await account_of(engine, "m1")).member
    assert (account.totals.balance, account.totals.debt) == (0, 30)
    # The next earning pays the debt first: 40 earned, 30 settled, 10 minted.
    await record(engine, purchase("p2", order="o2", value="40"))
    account = (await account_of(engine, "m1")).member
    assert (account.totals.balance, account.totals.debt, account.totals.earned) == (10, 0, 140)
    assert (await requests(engine))[-1] == (MINT, 10)


async def test_refund_for_an_unknown_order_is_a_typed_error_and_writes_nothing(
    engine: AsyncEngine,
) -> None:
    await record(engine, purchase("p", value="10"))
    before = await written(engine)
    with pytest.raises(NotFound):
        await refund(engine, "r1", order="nope", amount=Decimal("1"))
    assert await written(engine) == before


@pytest.mark.parametrize("amount", ["10.01", "0", "-5"])
async def test_refund_larger_than_the_order_or_not_positive_is_refused(
    engine: AsyncEngine, amount: str
) -> None:
    await record(engine, purchase("p", value="10"))
    before = await written(engine)
    with pytest.raises(InvalidInput):
        await refund(engine, "r1", amount=Decimal(amount))
    assert await written(engine) == before
    assert (await account_of(engine, "m1")).member.totals.balance == 10


async def test_refund_redelivered_is_answered_once(engine: AsyncEngine) -> None:
    await record(engine, purchase("p", value="10"))
    first = await refund(engine, "r1", amount=Decimal("5"))
    again = await refund(engine, "r1", amount=Decimal("5"))
    assert again.duplicate and again.points_reversed == first.points_reversed == 5
    assert (await account_of(engine, "m1")).member.totals.balance == 5
    with pytest.raises(Conflict):  # same key, different amount
        await refund(engine, "r1", amount=Decimal("6"))


async def test_refunded_totals_are_cumulative_so_late_status_events_take_nothing_more(
    engine: AsyncEngine,
) -> None:
    await record(engine, purchase("p", value="10"))
    await record_refund(
        uow_for(engine), RefundInput("w1", "o1", refunded_total=Decimal("4")), source="wix"
    )
    await record_refund(uow_for(engine), RefundInput("w2", "o1", full=True), source="wix")
    late = await record_refund(
        uow_for(engine), RefundInput("w3", "o1", refunded_total=Decimal("4")), source="wix"
    )
    assert late.points_reversed == 0
    assert (await account_of(engine, "m1")).member.totals.balance == 0


async def test_adjust_by_amount_or_to_a_balance_never_below_zero(engine: AsyncEngine) -> None:
    await record(engine, purchase("p", value="10"))
    assert (await adjust(engine, "a1", amount=5)).balance == 15
    assert (await adjust(engine, "a2", balance=3)).points == -12
    before = await written(engine)
    with pytest.raises(InsufficientPoints):
        await adjust(engine, "a3", amount=-4)
    assert await written(engine) == before
    totals = (await account_of(engine, "m1")).member.totals
    assert (totals.adjusted, totals.balance) == (-7, 3)
    assert (await requests(engine))[-2:] == [(MINT, 5), (BURN, 12)]


async def test_adjusting_an_unknown_member_is_not_found(engine: AsyncEngine) -> None:
    with pytest.raises(NotFound):
        await adjust_points(uow_for(engine), AdjustInput("a", "ghost", "why", amount=5))
    assert await written(engine) == (0, 0, 0, 0)

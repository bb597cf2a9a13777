"""Recording activities on SQLite and PostgreSQL: awards once per event and once per order and
rule, a mint request in the same transaction, and bad input refused with nothing written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.db.engine import make_async_engine
from loyalty.db.ledger import ledger_entries, members
from loyalty.db.outbox import MINT, PENDING, chain_requests
from loyalty.domain.errors import Conflict, CurrencyMismatch, InvalidInput
from loyalty.domain.points import Money
from loyalty.services.activities import record_activity
from loyalty.services.activity_model import ActivityInput
from tests.support.ledger import (
    CUSTODY,
    ORDER_PAID,
    RULES,
    STORES,
    add_fixed_rule,
    add_rate_rule,
    written,
)
from tests.support.reads import account_of
from tests.support.uow import uow_for


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_async_engine(database_url)
    yield eng
    await eng.dispose()


def purchase(
    key: str, *, member: str = "m1", order: str = "o1", value: str = "12.50", currency: str = "USD"
) -> ActivityInput:
    return ActivityInput(
        idempotency_key=key,
        member_id=member,
        activity_type=ORDER_PAID,
        trigger_app_id=STORES,
        order_id=order,
        amount=Money(Decimal(value), currency),
    )


async def record(engine: AsyncEngine, inp: ActivityInput):  # type: ignore[no-untyped-def]
    return await record_activity(
        uow_for(engine), inp, source="api", custody=CUSTODY, currency="USD", rules=RULES
    )


async def test_purchase_earns_by_the_rate_and_queues_one_mint_to_the_custodial_address(
    engine: AsyncEngine,
) -> None:
    rule_id = await add_rate_rule(engine, per="1", points=2)
    outcome = await record(engine, purchase("k1", value="12.50"))
    assert not outcome.duplicate
    assert [(a.rule_id, a.points) for a in outcome.awards] == [(rule_id, 25)]
    account = await account_of(engine, "m1")
    assert account.member.totals.earned == 25
    assert account.member.totals.balance == 25
    assert account.pending == 25
    assert account.member.custodial_address == CUSTODY.address_for(account.member.pk)
    async with engine.connect() as conn:
        entry = (await conn.execute(select(ledger_entries))).one()
        request = (await conn.execute(select(chain_requests))).one()
    assert (entry.type, entry.points, entry.rule_id, entry.rule_revision) == (
        "EARN",
        25,
        rule_id,
        1,
    )
    assert (request.kind, request.amount, request.status) == (MINT, 25, PENDING)
    assert request.address == account.member.custodial_address
    assert request.ledger_entry_id == entry.id


async def test_redelivery_returns_the_first_answer_and_writes_nothing(engine: AsyncEngine) -> None:
    await add_rate_rule(engine)
    first = await record(engine, purchase("k1"))
    before = await written(engine)
    again = await record(engine, purchase("k1"))
    assert again.duplicate
    assert again.event_id == first.event_id
    assert again.awards == first.awards
    assert await written(engine) == before


async def test_same_order_under_another_key_is_not_awarded_twice(engine: AsyncEngine) -> None:
    await add_rate_rule(engine)
    await record(engine, purchase("checkout-completed-1"))
    second = await record(engine, purchase("payment-status-1"))
    assert not second.duplicate
    assert [a.already_awarded for a in second.awards] == [True]
    _, events, entries, requests = await written(engine)
    assert (events, entries, requests) == (2, 1, 1)
    assert (await account_of(engine, "m1")).member.totals.earned == 25


async def test_each_matching_rule_awards_and_records_its_revision(engine: AsyncEngine) -> None:
    await add_rate_rule(engine, per="1", points=2, title="Rate")
    await add_fixed_rule(engine, ORDER_PAID, 10, app=STORES)
    outcome = await record(engine, purchase("k1", value="5"))
    assert sorted(a.points for a in outcome.awards) == [10, 10]
    assert (await account_of(engine, "m1")).member.totals.earned == 20


async def test_idempotency_key_reused_for_another_request_is_refused(engine: AsyncEngine) -> None:
    await add_rate_rule(engine)
    await record(engine, purchase("k1", value="10"))
    before = await written(engine)
    with pytest.raises(Conflict):
        await record(engine, purchase("k1", value="11"))
    assert await written(engine) == before


@pytest.mark.parametrize(
    ("inp", "error"),
    [
        (purchase("k", value="-1"), InvalidInput),
        (purchase("k", currency="EUR"), CurrencyMismatch),
        (purchase("k", member=""), InvalidInput),
        (purchase("", order="o"), InvalidInput),
        (purchase("k", member="x" * 300), InvalidInput),
    ],
    ids=["negative", "other-currency", "no-member", "no-key", "member-too-long"],
)
async def test_bad_activity_is_refused_and_writes_nothing(
    engine: AsyncEngine, inp: ActivityInput, error: type[Exception]
) -> None:
    await add_rate_rule(engine)
    with pytest.raises(error):
        await record(engine, inp)
    assert await written(engine) == (0, 0, 0, 0)


async def test_first_activity_creates_the_member_with_a_stable_custodial_address(
    engine: AsyncEngine,
) -> None:
    await add_fixed_rule(engine, "reviews/ReviewCreated", 5)
    for i, member in enumerate(["a", "b", "a"]):
        await record(
            engine,
            ActivityInput(f"r{i}", member, "reviews/ReviewCreated", "reviews"),
        )
    async with engine.connect() as conn:
        rows = (await conn.execute(select(members).order_by(members.c.id))).all()
    assert [(r.member_id, r.earned) for r in rows] == [("a", 10), ("b", 5)]
    assert len({r.custodial_address for r in rows}) == 2
    assert all(r.custodial_address == CUSTODY.address_for(r.id) for r in rows)


async def test_a_rule_change_is_seen_by_the_next_activity_in_every_process(
    engine: AsyncEngine, database_url: str
) -> None:
    """Rules are cached per process (per engine) and checked against config_version: a change
    made through one engine is used at once by another engine whose cache was warm."""
    from loyalty.domain.rules import ConversionRateConfig, RuleChanges, RuleStatus
    from loyalty.services.rules import update_rule

    other = make_async_engine(database_url)
    try:
        rule_id = await add_rate_rule(engine, per="1", points=2)
        for eng, key in ((engine, "k1"), (other, "k2")):  # both caches warm
            out = await record(eng, purchase(key, order=key, value="10"))
            assert [(a.rule_revision, a.points) for a in out.awards] == [(1, 20)]
        async with uow_for(other) as uow:
            changes = RuleChanges(conversion_rate=(ConversionRateConfig(None, Decimal(1), 5),))
            await update_rule(uow, rule_id, revision=1, changes=changes)
        for eng, key in ((engine, "k3"), (other, "k4")):
            out = await record(eng, purchase(key, order=key, value="10"))
            assert [(a.rule_revision, a.points) for a in out.awards] == [(2, 50)]
        async with uow_for(engine) as uow:
            await update_rule(
                uow, rule_id, revision=2, changes=RuleChanges(status=RuleStatus.PAUSED)
            )
        out = await record(other, purchase("k5", order="k5", value="10"))
        assert out.awards == ()
    finally:
        await other.dispose()

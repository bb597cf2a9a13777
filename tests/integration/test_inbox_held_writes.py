"""The inbox's batches hold their postings' writes to the commit (loyalty.db.write_behind), on
SQLite and PostgreSQL: what commits is what applying the events one by one leaves (totals,
tiers, chain requests in order, answers), in fewer statements; and a statement that reads a
table with held writes sees them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.db.engine import make_async_engine
from loyalty.db.ledger import inbound_events, members
from loyalty.db.outbox import chain_requests
from loyalty.db.program import member_tiers
from loyalty.domain.ledger import EntryType
from loyalty.domain.tiers import TierInput
from loyalty.services.accept import accept
from loyalty.services.activity_model import ActivityInput
from loyalty.services.inbox import process_pending
from loyalty.services.ledger import post_entry
from loyalty.services.members import ensure_member
from loyalty.services.tiers import create_tier
from tests.support.ledger import CUSTODY, ORDER_PAID, STORES, add_rate_rule
from tests.support.uow import uow_for


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_async_engine(database_url)
    await add_rate_rule(engine, per="1", points=1)
    yield engine
    await engine.dispose()


def _order(i: int, member: str, value: str, key: str | None = None) -> ActivityInput:
    return ActivityInput.from_payload(
        {
            "idempotencyKey": key or f"evt-{i}",
            "memberId": member,
            "activityType": ORDER_PAID,
            "triggerAppId": STORES,
            "orderId": f"order-{i}",
            "amount": {"value": value, "currency": "USD"},
        }
    )


async def _drain(engine: AsyncEngine) -> None:
    while await process_pending(uow_for(engine), custody=CUSTODY, currency="USD"):
        pass


async def test_a_batch_leaves_what_one_by_one_leaves_in_fewer_statements(
    engine: AsyncEngine,
) -> None:
    await create_tier(uow_for(engine), TierInput("Silver", 50))
    # Known members first (their creation is not what is measured).
    for i, m in enumerate(("a", "b", "c")):
        await accept(uow_for(engine), source="t", event=_order(100 + i, m, "1.00"))
    await _drain(engine)
    # 12 events, 3 members, each member 4 times: 1 + 4 x 20 = 81 points crosses Silver at
    # the third event; the same order named twice earns once.
    for i in range(12):
        await accept(uow_for(engine), source="t", event=_order(i, "abc"[i % 3], "20.00"))
    await accept(uow_for(engine), source="t", event=_order(0, "a", "20.00", "evt-0b"))
    statements = 0

    def count(*_a: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    await _drain(engine)
    event.remove(engine.sync_engine, "before_cursor_execute", count)
    # One by one it was more than 6 statements per event (member, order, entry, request,
    # totals, tier); now the order and the entry, and a few per batch.
    assert statements <= 13 * 3, statements
    async with engine.connect() as conn:
        states = (await conn.execute(select(inbound_events.c.state))).scalars().all()
        assert set(states) == {"DONE"}
        totals = dict((await conn.execute(select(members.c.member_id, members.c.earned))).all())
        assert totals == {"a": 81, "b": 81, "c": 81}
        tiers = (
            await conn.execute(
                select(members.c.member_id, member_tiers.c.tier_id, member_tiers.c.tier_points)
                .join(member_tiers, member_tiers.c.member_pk == members.c.id)
                .order_by(members.c.member_id)
            )
        ).all()
        assert [(m, t is not None, p) for m, t, p in tiers] == [
            ("a", True, 81),
            ("b", True, 81),
            ("c", True, 81),
        ]
        requests = (
            await conn.execute(
                select(chain_requests.c.member_id, chain_requests.c.amount).order_by(
                    chain_requests.c.id
                )
            )
        ).all()
    assert [r for r in requests if r.member_id == "a"] == [("a", 1)] + [("a", 20)] * 4
    assert len(requests) == 15


async def test_a_read_of_a_table_with_held_writes_sees_them(engine: AsyncEngine) -> None:
    now = datetime.now(UTC)
    async with uow_for(engine) as uow:
        member, _ = await ensure_member(uow.conn, "m1", CUSTODY, now=now)
        held = uow.hold_writes()
        assert held is not None
        member, entry = await post_entry(uow, member, EntryType.ADJUST, 7, now=now)
        assert entry is not None and held  # the request, the totals and the tier wait
        earned = await uow.conn.scalar(select(members.c.adjusted).where(members.c.id == member.pk))
        assert earned == 7  # flushed by the read
        assert not held
        member, _ = await post_entry(uow, member, EntryType.ADJUST, 5, now=now)
        amounts = (await uow.conn.execute(select(chain_requests.c.amount))).scalars().all()
        assert sorted(amounts) == [5, 7]
        await post_entry(uow, member, EntryType.ADJUST, 1, now=now)
    # and the commit sends what is still held
    async with engine.connect() as conn:
        assert await conn.scalar(select(members.c.adjusted)) == 13
        assert len((await conn.execute(select(chain_requests.c.id))).all()) == 3


async def test_a_batch_that_fails_at_its_held_writes_commits_nothing_of_them(
    engine: AsyncEngine,
) -> None:
    now = datetime.now(UTC)
    async with uow_for(engine) as uow:
        member, _ = await ensure_member(uow.conn, "m1", CUSTODY, now=now)
    with pytest.raises(Exception):  # noqa: B017 - the database's own integrity error
        async with uow_for(engine) as uow:
            held = uow.hold_writes()
            assert held is not None
            await post_entry(uow, member, EntryType.ADJUST, 7, now=now)
            # A held row the database refuses (an unknown member): the whole transaction goes.
            held.add(members.update().where(members.c.id == -1), {"adjusted": 1})
            bad = dict.fromkeys(("kind", "address", "member_id", "status"), None)
            held.add(chain_requests.insert(), {**bad, "amount": 1, "created_at": now})
    async with engine.connect() as conn:
        assert await conn.scalar(select(members.c.adjusted)) == 0
        assert (await conn.execute(select(chain_requests.c.id))).all() == []

"""Concurrency on PostgreSQL: 100 parallel deliveries of one event award once; 100 parallel
different events for one member award 100 times and `earned` is their sum. The requests run
concurrently through the app (ASGI) on a pool of real connections while four inbox processors
(as in four API processes) process what was stored, so the unique constraints and row locks are
what decide, not the order of arrival."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from api.app import create_app
from loyalty.db.ledger import ledger_entries
from loyalty.db.outbox import chain_requests
from loyalty.runtime import Runtime
from loyalty.settings import Settings
from tests.support.ledger import add_rate_rule, written
from tests.support.reads import account_of
from tests.support.webhooks import (
    SECRET_NEW,
    WIX_PUBLIC_PEM,
    checkout_completed,
    drain,
    light_runtime,
    standard_request,
)

N = 100


@pytest.fixture
async def runtime(postgres_url: str) -> AsyncIterator[Runtime]:
    settings = Settings(
        database_url=postgres_url,
        chain_state="",
        wix_public_key=WIX_PUBLIC_PEM,
        webhook_secrets=(SECRET_NEW,),
    )
    rt = light_runtime(settings)
    await add_rate_rule(rt.async_engine, per="1", points=1)
    yield rt
    await rt.async_engine.dispose()
    rt.engine.dispose()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(runtime.settings, runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=60) as c:
        yield c


async def test_one_event_delivered_100_times_at_once_awards_once(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    body = checkout_completed("evt-same", "chk-1", "m1", "10.00")
    replies, _ = await asyncio.gather(
        asyncio.gather(
            *(
                client.post("/webhooks/wix", content=body, headers={"content-type": "text/plain"})
                for _ in range(N)
            )
        ),
        drain(runtime, processors=4),
    )
    await drain(runtime, processors=4)
    assert [r.status_code for r in replies] == [200] * N
    assert sum(not r.json()["duplicate"] for r in replies) == 1
    assert {r.json()["eventId"] for r in replies} == {replies[0].json()["eventId"]}
    assert await written(runtime.async_engine) == (1, 1, 1, 1)
    assert (await account_of(runtime.async_engine, "m1")).member.totals.earned == 10


async def test_100_different_events_for_one_member_at_once_award_100_times(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    values = [f"{i + 1}.50" for i in range(N)]  # floor → i + 1 points each
    requests = [
        standard_request(
            {
                "type": "stores/OrderPaid",
                "data": {
                    "memberId": "m1",
                    "triggerAppId": "stores",
                    "orderId": f"o{i}",
                    "amount": {"value": value, "currency": "USD"},
                },
            }
        )
        for i, value in enumerate(values)
    ]
    replies, _ = await asyncio.gather(
        asyncio.gather(
            *(client.post("/webhooks/events", content=b, headers=h) for b, h in requests)
        ),
        drain(runtime, processors=4),
    )
    await drain(runtime, processors=4)
    assert [r.status_code for r in replies] == [200] * N, replies[0].text
    expected = sum(range(1, N + 1))
    account = await account_of(runtime.async_engine, "m1")
    assert account.member.totals.earned == expected
    assert account.member.totals.balance == expected
    assert account.pending == expected
    async with runtime.async_engine.connect() as conn:
        entries = (await conn.execute(select(ledger_entries.c.points))).scalars().all()
        minted = (await conn.execute(select(chain_requests.c.amount))).scalars().all()
    assert sorted(entries) == list(range(1, N + 1))
    assert sum(minted) == expected and len(minted) == N

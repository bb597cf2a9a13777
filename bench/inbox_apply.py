"""The inbox processor alone, in process, on PostgreSQL: how many stored webhook events per
second `process_pending` applies (order, ledger entry, mint request, tier, notification), and
how many SQL statements and transactions each one costs.

    .venv/bin/python -m bench.inbox_apply [--events 4000] [--members 500] [--concurrency 2]

The events are stored first (through the same grouped INSERT the webhook endpoints use), then
the clock starts and the processor drains them, as the API's InboxProcessor does after a burst.
No HTTP and no load generator: this isolates the apply path from the answering half that
bench.webhooks measures end to end. Every event earns points from one rate rule, spread over
`--members` members (many events per member: the member lock and the tier state matter).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from typing import Any

import psycopg
from sqlalchemy import event, func, select

from bench.figures import Figure, record
from cli.migrate import upgrade
from loyalty.custody import custody_for
from loyalty.db.engine import make_async_engine
from loyalty.db.ledger import inbound_events, ledger_entries
from loyalty.db.outbox import chain_requests
from loyalty.services.accept import accept
from loyalty.services.activity_model import ActivityInput
from loyalty.services.inbox import process_pending
from loyalty.settings import DEV_CUSTODY_MNEMONIC
from tests.support.databases import PG_ADMIN_URL, _pg_url
from tests.support.ledger import add_rate_rule
from tests.support.uow import uow_for


def _activity(i: int, members: int, run: str) -> ActivityInput:
    return ActivityInput.from_payload(
        {
            "idempotencyKey": f"{run}-{i}",
            "memberId": f"m{i % members}",
            "activityType": "stores/OrderPaid",
            "triggerAppId": "stores",
            "orderId": f"{run}-{i}",
            "amount": {"value": "25.00", "currency": "USD"},
        }
    )


async def _store(engine: Any, n: int, members: int, run: str) -> None:
    uow = uow_for(engine)
    for start in range(0, n, 500):
        await asyncio.gather(
            *(
                accept(uow, source="bench", event=_activity(i, members, run))
                for i in range(start, min(n, start + 500))
            )
        )


async def _count(engine: Any, table: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)) or 0)


async def run(url: str, events: int, members: int, concurrency: int) -> dict[str, float]:
    engine = make_async_engine(url)
    custody = custody_for(DEV_CUSTODY_MNEMONIC)
    await add_rate_rule(engine, per="1", points=1)
    # Warm-up: creates the members (their first event), fills the configuration cache.
    await _store(engine, members, members, "warm")
    while await process_pending(
        uow_for(engine), custody=custody, currency="USD", concurrency=concurrency
    ):
        pass
    await _store(engine, events, members, uuid.uuid4().hex[:6])
    statements = commits = 0

    seen: dict[str, int] = {}

    def counted(_c: Any, _cur: Any, text: str, *_a: Any) -> None:
        nonlocal statements
        statements += 1
        if os.environ.get("BENCH_STATEMENTS"):
            key = " ".join(text.split())[:90]
            seen[key] = seen.get(key, 0) + 1

    def committed(*_a: Any) -> None:
        nonlocal commits
        commits += 1

    event.listen(engine.sync_engine, "before_cursor_execute", counted)
    event.listen(engine.sync_engine, "commit", committed)
    before = await _count(engine, ledger_entries)
    cpu0, began = time.process_time(), time.perf_counter()
    while await process_pending(
        uow_for(engine), custody=custody, currency="USD", concurrency=concurrency
    ):
        pass
    took, cpu = time.perf_counter() - began, time.process_time() - cpu0
    event.remove(engine.sync_engine, "before_cursor_execute", counted)
    event.remove(engine.sync_engine, "commit", committed)
    applied = await _count(engine, ledger_entries) - before
    for text, n in sorted(seen.items(), key=lambda kv: -kv[1]):
        print(f"{n:7d}  {text}")
    async with engine.connect() as conn:
        pending = await conn.scalar(
            select(func.count()).select_from(inbound_events).where(inbound_events.c.state != "DONE")
        )
    requests = await _count(engine, chain_requests)
    await engine.dispose()
    if applied != events or pending:
        raise SystemExit(f"applied {applied} of {events}, {pending} events not DONE")
    return {
        "rate": events / took,
        "seconds": took,
        "cpu_ms": 1000 * cpu / events,
        "statements": statements / events,
        "commits": commits,
        "requests": requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    name = f"loyalty_bench_inbox_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        upgrade(_pg_url(name))
        r = asyncio.run(run(_pg_url(name), args.events, args.members, args.concurrency))
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(
        f"inbox apply: {args.events} events over {args.members} members, concurrency "
        f"{args.concurrency}: {r['rate']:.0f} events/s ({r['seconds']:.2f} s), "
        f"{r['cpu_ms']:.2f} ms CPU and {r['statements']:.1f} statements per event, "
        f"{r['commits']:.0f} commits; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    record(Figure("inbox_apply", "applied in process", r["rate"], "events/s", ">= 1000"))
    record(Figure("inbox_apply", "statements per event", r["statements"], "statements"))


if __name__ == "__main__":
    main()

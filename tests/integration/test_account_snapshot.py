"""An account is read as one moment (issue 20, item 4), on SQLite and PostgreSQL:

- `balance`, `pending` and `onchain` come from one snapshot, though different loaders read
  them: a change committed in the middle of an account read (between the member row and the
  pending chain requests) shows in neither, and the next read shows it in both;
- `accountUpdated` sends each change once: an update read after a change the hub had not seen
  yet is not sent again when the hub reports that change.

The hub's poller runs only when the test calls `poll()`, and the subscription's generator only
runs when the test asks for its next update, so each interleaving is made, not waited for."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

import api.dataloaders
import api.live_events
from api.app import create_app
from api.auth import Principal, Role
from api.config import ApiConfig
from api.context import Context, Reads
from api.live_events import Feed, Hub
from api.schema import build_schema
from loyalty.custody import custody_for
from loyalty.runtime import Runtime
from loyalty.services.adjustments import AdjustInput, adjust_points
from loyalty.services.members import create_member
from loyalty.settings import Settings
from tests.support.webhooks import light_runtime

ADMIN = "test-admin-key-0123456789abcdef"
POINTS = "query($m: String!) { account(memberId: $m) { points { balance pending onchain } } }"
UPDATES = """subscription($m: String!) {
  accountUpdated(memberId: $m) { revision points { balance pending } } }"""
CEILING = 30.0  # seconds: a ceiling for a stuck test, never an assertion about speed


@pytest.fixture
async def rt(database_url: str) -> AsyncIterator[Runtime]:
    settings = Settings(database_url=database_url, chain_state="", admin_api_key=ADMIN)
    runtime = light_runtime(settings)
    custody = custody_for(settings.custody_mnemonic_or_dev())
    await create_member(runtime.unit_of_work(), "ann", custody)
    yield runtime
    await runtime.async_engine.dispose()
    runtime.engine.dispose()


async def adjust(rt: Runtime, key: str, amount: int) -> None:
    """A committed ledger change: the balance moves and a mint (pending) is queued with it."""
    inp = AdjustInput(idempotency_key=key, member_id="ann", reason="test", amount=amount)
    await adjust_points(rt.unit_of_work(), inp)


async def test_balance_pending_and_onchain_are_one_moment_though_a_write_lands_mid_read(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await adjust(rt, "before", 40)
    transport = httpx.ASGITransport(app=create_app(rt.settings, rt))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

        async def read() -> dict[str, Any]:
            reply = await client.post(
                "/graphql",
                json={"query": POINTS, "variables": {"m": "ann"}},
                headers={"authorization": f"Bearer {ADMIN}"},
            )
            body = reply.json()
            assert "errors" not in body, body
            points: dict[str, Any] = body["data"]["account"]["points"]
            return points

        real = api.dataloaders.pending_points_of
        interleaved: list[int] = []

        async def pending_after_a_write(
            conn: AsyncConnection, member_ids: Sequence[str]
        ) -> dict[str, int]:
            # The member row (balance) is read already; another writer commits now.
            if not interleaved:
                interleaved.append(1)
                await adjust(rt, "mid-read", 10)
            return await real(conn, member_ids)

        monkeypatch.setattr(api.dataloaders, "pending_points_of", pending_after_a_write)
        during = await read()
        assert interleaved, "the write was not made in the middle of the read"
        # One moment: before the write (40 earned, its mint not on chain, nothing indexed) —
        # not the balance from before it beside the pending from after it (40 / 50 / 0).
        assert during == {"balance": 40, "pending": 40, "onchain": 0}
        assert await read() == {"balance": 50, "pending": 50, "onchain": 0}


class ManualHub(Hub):
    """The poller runs only when the test calls `poll()`."""

    def _ensure_running(self) -> None:
        pass


@dataclass(eq=False)
class WatchedFeed(Feed[Any]):
    """A feed that tells when its subscriber waits for a change with none queued."""

    idle: asyncio.Event = field(default_factory=asyncio.Event)

    async def get(self) -> Any:
        if self.queue.empty():
            self.idle.set()
        item = await super().get()
        self.idle.clear()
        return item


async def test_account_updated_sends_each_change_once(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    feeds: list[WatchedFeed] = []

    def watched(**kwargs: Any) -> WatchedFeed:
        feed = WatchedFeed(**kwargs)
        feeds.append(feed)
        return feed

    monkeypatch.setattr(api.live_events, "Feed", watched)
    hub = ManualHub(lambda: rt.async_engine)
    config = ApiConfig.from_settings(rt.settings)
    context = Context(
        request=None,  # type: ignore[arg-type]  # no resolver of a subscription reads it
        response=None,
        runtime=rt,
        config=config,
        principal=Principal(Role.ADMIN),
        events=hub,
    )
    updates = await build_schema(config).subscribe(
        UPDATES, variable_values={"m": "ann"}, context_value=context
    )
    assert isinstance(updates, AsyncGenerator), updates
    sent: list[int] = []

    async def idle_or_next() -> asyncio.Task[Any]:
        """Runs the subscription until it sends an update or waits for a change."""
        task: asyncio.Task[Any] = asyncio.ensure_future(anext(updates))
        while not feeds:  # the subscription registers on its first step
            await asyncio.wait([task], timeout=0.01)
            assert not task.done(), task.result()
        idle = asyncio.ensure_future(feeds[0].idle.wait())
        await asyncio.wait([task, idle], timeout=CEILING, return_when=asyncio.FIRST_COMPLETED)
        idle.cancel()
        assert task.done() or feeds[0].idle.is_set(), "the subscription is stuck"
        return task

    def record(result: Any) -> None:
        assert not result.errors, result.errors
        sent.append(result.data["accountUpdated"]["points"]["balance"])

    try:
        step = await idle_or_next()
        assert not step.done()  # subscribed, nothing changed yet

        await adjust(rt, "a", 10)
        await hub.poll()  # the hub sees 10
        record(await asyncio.wait_for(step, CEILING))
        # The subscription is between updates; a change is committed and the hub sees it…
        await adjust(rt, "b", 5)
        await hub.poll()
        # …and another is committed before the subscription reads: its update shows both.
        await adjust(rt, "c", 7)
        step = await idle_or_next()
        record(step.result())
        # The hub now sees the second change: the subscription showed it already, so it
        # sends nothing and waits.
        await hub.poll()
        step = await idle_or_next()
        assert not step.done(), f"a duplicate update was sent: {sent} then {step.result()}"
        # A change after that is sent, once.
        await adjust(rt, "d", 8)
        await hub.poll()
        record(await asyncio.wait_for(step, CEILING))
        assert sent == [10, 22, 30]
        await hub.poll()
        step = await idle_or_next()
        assert not step.done(), f"a duplicate update was sent: {sent} then {step.result()}"
        step.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await step
    finally:
        await updates.aclose()
    assert hub.subscribers == 0


async def test_forget_starts_a_new_snapshot_and_a_failed_statement_does_not_poison_the_next(
    rt: Runtime,
) -> None:
    """A mutation's result sees its write (FreshReads calls forget()); a statement that fails
    (PostgreSQL then refuses every statement of its transaction) leaves later reads working."""
    count = text("SELECT count(*) FROM ledger_entries")
    reads = Reads(rt.async_engine)
    try:
        async with reads.connection() as conn:
            before = await conn.scalar(count)
        await adjust(rt, "x", 5)
        async with reads.connection() as conn:
            assert await conn.scalar(count) == before  # the same snapshot
        reads.forget()
        async with reads.connection() as conn:
            assert await conn.scalar(count) == before + 1  # a new one, after the write
        with pytest.raises(DBAPIError):
            async with reads.connection() as conn:
                await conn.execute(text("SELECT no_such_column FROM members"))
        async with reads.connection() as conn:
            assert await conn.scalar(count) == before + 1
    finally:
        await reads.aclose()

"""Live events for GraphQL subscriptions: what changed for a member, which transfers were indexed.

One Hub per API process polls the database every POLL_SECONDS while anyone is subscribed, and
fans the changes out to its subscribers. The database, not an in-process bus, is the source:
the ledger is written by any API process and the webhooks, the minter and the indexer may run
in other processes, and all of them commit there. A poll per process (not per subscriber) costs
three or four indexed queries a tick however many subscribers there are, and needs no hook in
the writers (an in-process bus would miss every write made by another process).

- Accounts: a member's fingerprint is (member row revision, count of settled chain requests
  (FINAL or REFUSED), indexed balance of the receiving address); any change of it (a ledger
  entry, a mint or burn becoming final or refused, one being indexed) is reported. Changes
  coalesce: a subscriber that has not taken the last one yet gets one notice, then re-reads the
  account.
- Transfers: the indexer commits transfers with its checkpoint (`indexer_state.indexed_block`)
  in one transaction, so after reading the checkpoint N every transfer at or below N is there.
  The hub reports those above its cursor touching a subscribed address. After a reorg (the
  indexer's counter moves) it reads again from below the reorg's depth, skipping transfers it
  already reported.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from indexer.queries import TransferRow
from indexer.tables import balances, indexer_state, transfers
from loyalty.db.ledger import members
from loyalty.db.outbox import SETTLED, chain_requests

log = logging.getLogger("api.live_events")

POLL_SECONDS = 0.25
QUEUE_MAX = 1000  # transfers waiting for one slow subscriber before it is cut off
RECENT_MAX = 10_000  # transfers remembered to skip after a reorg rewinds the cursor

T = TypeVar("T")


class Overflow(Exception):
    """The subscriber fell QUEUE_MAX events behind: it is cut off rather than kept in memory."""


@dataclass(eq=False)
class Feed(Generic[T]):
    """One subscriber's queue. `coalesce`: at most one pending notice (accounts)."""

    coalesce: bool = False
    queue: asyncio.Queue[T] = field(default_factory=lambda: asyncio.Queue(QUEUE_MAX))
    overflowed: bool = False

    def put(self, item: T) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            if not self.coalesce:
                self.overflowed = True

    async def get(self) -> T:
        if self.overflowed:
            raise Overflow(f"the subscriber fell {QUEUE_MAX} events behind")
        item = await self.queue.get()
        if self.coalesce:
            while not self.queue.empty():
                item = self.queue.get_nowait()
        return item


@dataclass(frozen=True)
class _Cursor:
    block: int  # transfers at or below it are reported (or predate every subscriber)
    reorgs: int


class Hub:
    def __init__(
        self, engine: Callable[[], AsyncEngine], *, interval: float = POLL_SECONDS
    ) -> None:
        self._engine = engine
        self._interval = interval
        self._accounts: dict[str, list[Feed[None]]] = {}
        self._fingerprints: dict[str, tuple[Any, ...] | None] = {}
        self._addresses: dict[str, list[Feed[TransferRow]]] = {}
        self._cursor: _Cursor | None = None
        self._recent: OrderedDict[tuple[str, int], None] = OrderedDict()
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None

    @asynccontextmanager
    async def account_changes(self, member_id: str) -> AsyncIterator[Feed[None]]:
        feed: Feed[None] = Feed(coalesce=True)
        if member_id not in self._accounts:
            # The baseline is taken before the subscription counts, so a change made from
            # here on is reported and nothing before it is.
            async with self._engine().connect() as conn:
                found = await _fingerprints(conn, [member_id])
            self._fingerprints[member_id] = found.get(member_id)
        self._accounts.setdefault(member_id, []).append(feed)
        self._ensure_running()
        try:
            yield feed
        finally:
            _remove(self._accounts, member_id, feed)
            if member_id not in self._accounts:
                self._fingerprints.pop(member_id, None)

    @asynccontextmanager
    async def transfers(self, address: str) -> AsyncIterator[Feed[TransferRow]]:
        address = address.lower()
        feed: Feed[TransferRow] = Feed()
        if not self._addresses:
            async with self._engine().connect() as conn:
                state = await _indexer_state(conn)
            self._cursor = None if state is None else _Cursor(state.indexed_block, state.reorgs)
        self._addresses.setdefault(address, []).append(feed)
        self._ensure_running()
        try:
            yield feed
        finally:
            _remove(self._addresses, address, feed)
            if not self._addresses:
                self._cursor = None
                self._recent.clear()

    @property
    def subscribers(self) -> int:
        return sum(map(len, self._accounts.values())) + sum(map(len, self._addresses.values()))

    def _ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name="loyalty-events")

    async def _run(self) -> None:
        wake = self._wake
        assert wake is not None
        # Runs while anyone listens; the last subscriber leaving ends it (no idle polling).
        while self._accounts or self._addresses:
            try:
                await self.poll()
            except Exception:
                log.exception("polling for live events failed; trying again")
            wake.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self._interval)

    async def poll(self) -> None:
        """One tick: report what changed since the last one."""
        async with self._engine().connect() as conn:
            if self._accounts:
                await self._poll_accounts(conn)
            if self._addresses:
                await self._poll_transfers(conn)

    async def _poll_accounts(self, conn: AsyncConnection) -> None:
        ids = list(self._accounts)
        now = await _fingerprints(conn, ids)
        for member_id in ids:
            fingerprint = now.get(member_id)
            if member_id in self._fingerprints and fingerprint != self._fingerprints[member_id]:
                self._fingerprints[member_id] = fingerprint
                for feed in self._accounts.get(member_id, ()):
                    feed.put(None)

    async def _poll_transfers(self, conn: AsyncConnection) -> None:
        state = await _indexer_state(conn)
        if state is None:
            return
        cursor = self._cursor or _Cursor(state.start_block - 1, state.reorgs)
        start = cursor.block
        if state.reorgs != cursor.reorgs:
            start = min(start, state.indexed_block) - state.last_reorg_depth - 1
        if state.indexed_block > start:
            wanted = list(self._addresses)
            rows = await conn.execute(
                select(
                    transfers.c.tx_hash,
                    transfers.c.log_index,
                    transfers.c.block_number,
                    transfers.c.from_address,
                    transfers.c.to_address,
                    transfers.c.value,
                )
                .where(
                    transfers.c.block_number > start,
                    transfers.c.block_number <= state.indexed_block,
                    or_(transfers.c.from_address.in_(wanted), transfers.c.to_address.in_(wanted)),
                )
                .order_by(transfers.c.block_number, transfers.c.log_index)
            )
            for row in rows:
                self._report(TransferRow(*row))
        self._cursor = _Cursor(max(state.indexed_block, start), state.reorgs)

    def _report(self, event: TransferRow) -> None:
        key = (event.tx_hash, event.log_index)
        if key in self._recent:
            return
        self._recent[key] = None
        if len(self._recent) > RECENT_MAX:
            self._recent.popitem(last=False)
        targets = {event.from_address.lower(), event.to_address.lower()}
        for address in targets:
            for feed in self._addresses.get(address, ()):
                feed.put(event)


def _remove(registry: dict[str, list[Any]], key: str, feed: Any) -> None:
    feeds = registry.get(key, [])
    if feed in feeds:
        feeds.remove(feed)
    if not feeds:
        registry.pop(key, None)


@dataclass(frozen=True)
class _State:
    start_block: int
    indexed_block: int
    reorgs: int
    last_reorg_depth: int


async def _indexer_state(conn: AsyncConnection) -> _State | None:
    s = indexer_state.c
    row = (
        await conn.execute(
            select(s.start_block, s.indexed_block, s.reorgs_handled, s.last_reorg_depth).where(
                s.id == 1
            )
        )
    ).first()
    if row is None:
        return None
    return _State(
        int(row.start_block),
        int(row.indexed_block),
        int(row.reorgs_handled),
        int(row.last_reorg_depth or 0),
    )


async def _fingerprints(
    conn: AsyncConnection, member_ids: Iterable[str]
) -> dict[str, tuple[Any, ...]]:
    ids = list(member_ids)
    m = members.c
    rows = (
        await conn.execute(
            select(m.member_id, m.revision, m.wallet_address, m.custodial_address).where(
                m.member_id.in_(ids)
            )
        )
    ).all()
    if not rows:
        return {}
    final: dict[str, int] = dict(
        (
            await conn.execute(
                select(chain_requests.c.member_id, func.count())
                .where(chain_requests.c.member_id.in_(ids), chain_requests.c.status.in_(SETTLED))
                .group_by(chain_requests.c.member_id)
            )
        ).all()
    )
    address = {r.member_id: (r.wallet_address or r.custodial_address or "").lower() for r in rows}
    indexed: dict[str, int] = dict(
        (
            await conn.execute(
                select(balances.c.address, balances.c.balance).where(
                    balances.c.address.in_(list(address.values()))
                )
            )
        ).all()
    )
    return {
        r.member_id: (
            int(r.revision),
            int(final.get(r.member_id, 0)),
            indexed.get(address[r.member_id]),
        )
        for r in rows
    }


async def account_fingerprint(conn: AsyncConnection, member_id: str) -> tuple[Any, ...] | None:
    """What the hub compares for a member's account (None: no such member), read on `conn`:
    the subscription reads it in the snapshot it reads the account in, so an update that
    already showed a change is not sent again when the hub reports that change."""
    return (await _fingerprints(conn, [member_id])).get(member_id)

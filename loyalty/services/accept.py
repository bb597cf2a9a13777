"""Storing webhooks (the inbox's front door): one INSERT for many concurrent webhooks.

Every webhook that passes its checks is stored PENDING before it is answered (see
loyalty.services.inbox, which processes it after). Storing is the whole cost of the answer, so
it is grouped: while one write is in flight, the webhooks that arrive meanwhile wait and go
together in the next one: one statement, one commit (one WAL flush) for all of them, each
answered only once its row is committed. Nothing waits on a timer: a webhook arriving at an idle
process is written at once.

The write is `INSERT … ON CONFLICT (source, event_key) DO NOTHING RETURNING` in autocommit: a
row that already exists (a redelivery) is not returned and is answered as a duplicate with the
first row's id; on PostgreSQL a redelivery racing the first delivery waits for its commit.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.db.ledger import IN_PENDING, inbound_events, insert_or_skip
from loyalty.domain.events import InboundAccepted
from loyalty.services import inbound
from loyalty.services.activity_model import ActivityInput
from loyalty.services.refunds import RefundInput
from loyalty.services.uow import UnitOfWork

MAX_BATCH = 500
# Every row carries every column, so the rows of one write share one executemany statement.
_COLUMNS = (
    "source",
    "event_key",
    "request_hash",
    "kind",
    "received_at",
    "state",
    "payload",
    "activity_type",
    "trigger_app_id",
    "order_key",
    "amount",
    "currency",
    "occurred_at",
    "details",
)


@dataclass(frozen=True)
class Receipt:
    event_id: int
    duplicate: bool

    def to_json(self) -> dict[str, Any]:
        return {"eventId": self.event_id, "status": "ACCEPTED", "duplicate": self.duplicate}


def _row(source: str, event: ActivityInput | RefundInput, now: datetime) -> dict[str, Any]:
    if isinstance(event, ActivityInput):
        kind, fields = "ACTIVITY", event.claim_fields()
    else:
        kind = "REFUND"
        fields = {"order_key": event.order_id, "amount": event.amount or event.refunded_total}
    row = dict.fromkeys(_COLUMNS)
    row.update(
        source=source,
        event_key=event.idempotency_key,
        request_hash=inbound.request_hash(event.request()),
        kind=kind,
        received_at=now,
        state=IN_PENDING,
        payload=inbound.dumps(event.to_payload()),
        **fields,
    )
    return row


class _Writer:
    """The grouped writes of one engine in one event loop."""

    def __init__(self, engine: AsyncEngine) -> None:
        # Autocommit: an INSERT … ON CONFLICT is atomic by itself (no BEGIN/COMMIT round trips).
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        dialect = engine.dialect.name
        self._insert = insert_or_skip(dialect, inbound_events, ["source", "event_key"]).returning(
            inbound_events.c.id, inbound_events.c.source, inbound_events.c.event_key
        )
        self._lookup = select(inbound_events.c.id).where(
            inbound_events.c.source == bindparam("s"), inbound_events.c.event_key == bindparam("k")
        )
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[Receipt]]] = []
        self._writing = False

    async def store(self, row: dict[str, Any]) -> Receipt:
        future: asyncio.Future[Receipt] = asyncio.get_running_loop().create_future()
        self._waiting.append((row, future))
        if not self._writing:
            self._writing = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                try:
                    receipts = await self._write([row for row, _ in batch])
                except Exception as exc:  # nothing of this write is stored: each caller fails
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), receipt in zip(batch, receipts, strict=True):
                    if not future.done():  # a caller that gave up (disconnected) is not waited
                        future.set_result(receipt)
        finally:
            self._writing = False

    async def _write(self, rows: list[dict[str, Any]]) -> list[Receipt]:
        keys = [(r["source"], r["event_key"]) for r in rows]
        first: dict[tuple[str, str], dict[str, Any]] = {}
        for key, row in zip(keys, rows, strict=True):
            first.setdefault(key, row)  # the same event twice in one write: stored once
        async with self._engine.connect() as conn:
            result = await conn.execute(self._insert, list(first.values()))
            inserted = {(r.source, r.event_key): int(r.id) for r in result}
            existing: dict[tuple[str, str], int] = {}
            for key in first:
                if key not in inserted:  # stored earlier: a redelivery
                    found = await conn.scalar(self._lookup, {"s": key[0], "k": key[1]})
                    if found is None:  # inbound events are never deleted
                        raise RuntimeError(f"inbound event {key} conflicted but is not there")
                    existing[key] = int(found)
        receipts = []
        answered: set[tuple[str, str]] = set()
        for key in keys:
            if key in inserted and key not in answered:
                receipts.append(Receipt(inserted[key], duplicate=False))
                answered.add(key)
            else:
                receipts.append(Receipt(inserted.get(key) or existing[key], duplicate=True))
        return receipts


_writers: weakref.WeakKeyDictionary[Any, dict[asyncio.AbstractEventLoop, _Writer]] = (
    weakref.WeakKeyDictionary()
)


def _writer(engine: AsyncEngine) -> _Writer:
    per_loop = _writers.setdefault(engine.sync_engine, {})
    loop = asyncio.get_running_loop()
    if loop not in per_loop:
        for old in [lp for lp in per_loop if lp.is_closed()]:
            del per_loop[old]
        per_loop[loop] = _Writer(engine)
    return per_loop[loop]


async def accept(uow: UnitOfWork, *, source: str, event: ActivityInput | RefundInput) -> Receipt:
    """Stores a verified, parsed, checked webhook event PENDING (once per source and event id)
    and returns once it is committed. The grouped write commits by itself (no transaction of
    `uow`'s): a new event then runs InboundAccepted's post-commit handlers (waking the inbox)."""
    receipt = await _writer(uow.engine).store(_row(source, event, uow.clock.now()))
    if not receipt.duplicate:
        await uow.committed(InboundAccepted(receipt.event_id, source))
    return receipt

"""The webhook inbox: a webhook is answered as soon as it is verified, parsed and stored
(loyalty.services.accept), and is processed (rules, member, ledger, mint request) just after, by
an `InboxProcessor`.

Why not process before answering: Wix gives a webhook 1,250 ms, and processing costs about ten
times what storing does and waits on the member's lock, so a burst of events for one member, or
a slow moment of the database, would turn into timeouts and redeliveries. Storing is one
statement; the answer (`{"eventId", "status": "ACCEPTED"}`) means the event is durable, and a
redelivery, however often, finds the stored row (unique on source and event id) and changes
nothing.

Everything that can be checked without reading the database (signature, JSON, fields, amounts,
currency) is still refused before anything is stored, with a 4xx. What only processing can find
is recorded on the event: `state` DONE with the outcome, or FAILED with a typed error (e.g. an
order recorded for another member). A refund naming an order not seen yet is retried with
back-off first, because Wix does not promise the order's events arrive in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, or_, select

from loyalty.custody import AddressBook
from loyalty.db.ledger import IN_DONE as DONE
from loyalty.db.ledger import IN_FAILED as FAILED
from loyalty.db.ledger import IN_PENDING as PENDING
from loyalty.db.ledger import inbound_events
from loyalty.db.locks import sqlite_write_lock
from loyalty.db.times import utc
from loyalty.domain.errors import DomainError
from loyalty.services import inbound
from loyalty.services.activities import apply_activity
from loyalty.services.activity_members import lock_batch_members
from loyalty.services.activity_model import ActivityInput
from loyalty.services.earning_config import earning_config, version_subquery
from loyalty.services.refunds import RefundInput, apply_refund
from loyalty.services.rules import matching_rules
from loyalty.services.uow import AbstractUnitOfWork

log = logging.getLogger(__name__)

# A refund for an order not seen yet, or an unexpected error: retried with back-off, doubling
# from 1 s to at most 60 s; after MAX_ATTEMPTS (about 9 minutes) the event is FAILED.
MAX_ATTEMPTS = 12
# Activities applied in one transaction. Members stay locked until its commit, so a batch is
# kept short (a few tens of milliseconds).
BATCH = 20
RETRYABLE_CODES = frozenset({"NOT_FOUND"})


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(60, 2 ** max(0, attempts - 1)))


async def _due(uow: AbstractUnitOfWork, limit: int, now: datetime) -> list[tuple[int, str]]:
    """(id, kind) of the oldest due PENDING events."""
    async with uow.read() as conn:
        rows = await conn.execute(
            select(inbound_events.c.id, inbound_events.c.kind)
            .where(
                inbound_events.c.state == PENDING,
                or_(
                    inbound_events.c.process_after.is_(None),
                    inbound_events.c.process_after <= now,
                ),
            )
            .order_by(inbound_events.c.id)
            .limit(limit)
        )
        return [(r.id, r.kind) for r in rows]


def _segments(due: list[tuple[int, str]]) -> list[list[int]]:
    """Runs of activities (processed concurrently) and single refunds (processed alone, after
    everything received before them): a refund must see the order its earlier events created."""
    segments: list[list[int]] = []
    in_run = False  # the last segment is a run of activities that may grow
    for event_id, kind in due:
        if kind != "REFUND" and in_run:
            segments[-1].append(event_id)
        else:
            segments.append([event_id])
            in_run = kind != "REFUND"
    return segments


def _sqlite_write_lock(uow: AbstractUnitOfWork, event_id: int) -> Awaitable[None]:
    """SQLite: take the write lock before reading, as the member lock does (PostgreSQL locks
    the rows it reads FOR UPDATE instead)."""
    events = inbound_events
    return sqlite_write_lock(uow.conn, events, events.c.id == event_id, "attempts")


async def _record_failure(
    uow: AbstractUnitOfWork, event_id: int, attempts: int, code: str, message: str
) -> str:
    """After a rolled-back attempt (its own transaction): FAILED, or PENDING again after a
    back-off."""
    now = uow.clock.now()
    retryable = code in RETRYABLE_CODES or code == "INTERNAL"
    final = not retryable or attempts >= MAX_ATTEMPTS
    values: dict[str, Any] = {
        "attempts": attempts,
        "error": inbound.dumps({"code": code, "message": message}),
    }
    if final:
        values |= {"state": FAILED, "processed_at": now}
    else:
        values["process_after"] = now + _backoff(attempts)
    async with uow:
        await uow.conn.execute(
            inbound_events.update()
            .where(inbound_events.c.id == event_id, inbound_events.c.state == PENDING)
            .values(**values)
        )
    return FAILED if final else PENDING


async def process_event(
    uow: AbstractUnitOfWork, event_id: int, *, custody: AddressBook, currency: str
) -> str | None:
    """Processes one PENDING event in one transaction of `uow` (a failure is recorded in a
    second one): its state after, or None when another processor has it (or it is no longer
    pending)."""
    now = uow.clock.now()
    attempts = 0
    try:
        async with uow:
            conn = uow.conn
            await _sqlite_write_lock(uow, event_id)
            row = (
                await conn.execute(
                    select(
                        inbound_events.c.kind,
                        inbound_events.c.payload,
                        inbound_events.c.attempts,
                        inbound_events.c.received_at,
                    )
                    .where(inbound_events.c.id == event_id, inbound_events.c.state == PENDING)
                    .with_for_update(skip_locked=True)
                )
            ).first()
            if row is None:
                return None
            attempts = row.attempts + 1
            done = {"state": DONE, "processed_at": now, "attempts": attempts, "error": None}
            payload = json.loads(row.payload)
            if row.kind == "REFUND":
                await apply_refund(
                    uow, event_id, RefundInput.from_payload(payload), now=now, **done
                )
            else:
                await apply_activity(
                    uow,
                    event_id,
                    ActivityInput.from_payload(payload),
                    config_version=None,
                    now=now,
                    received_at=utc(row.received_at),
                    custody=custody,
                    currency=currency,
                    rules=matching_rules,
                    **done,
                )
        return DONE
    except DomainError as exc:
        return await _record_failure(uow, event_id, attempts, exc.code, str(exc))
    except Exception as exc:
        if attempts == 0:
            raise  # could not even read the event (database away): the caller backs off
        log.exception("inbox: processing event %s failed (attempt %s)", event_id, attempts)
        return await _record_failure(uow, event_id, attempts, "INTERNAL", type(exc).__name__)


async def process_pending(
    uow: AbstractUnitOfWork,
    *,
    custody: AddressBook,
    currency: str,
    limit: int = 200,
    concurrency: int = 4,
    pace: Callable[[float], Awaitable[None]] | None = None,
) -> int:
    """Processes the due PENDING events, oldest first, activities `concurrency` at a time and
    each refund after what came before it; returns how many this call finished (DONE or
    FAILED). Several processes may run it: each event is taken by one (row lock, SKIP LOCKED),
    events of one member serialise on the member's lock, and a refund that another process
    runs before its order's event is retried (NOT_FOUND) after a back-off. `pace` is awaited
    after each batch with the seconds it took (InboxProcessor yields to webhooks there).
    Each concurrent worker takes its own unit of work (`uow.fresh()`)."""
    due = await _due(uow, limit, uow.clock.now())
    finished = 0
    for segment in _segments(due):
        # A run of activities goes in batches of BATCH, each one transaction; a refund alone.
        chunks = iter([segment[i : i + BATCH] for i in range(0, len(segment), BATCH)])

        async def worker(chunks: Iterator[list[int]]) -> None:
            nonlocal finished
            mine = uow.fresh()
            began: float | None = None
            for chunk in chunks:
                if pace is not None and began is not None:
                    await pace(time.monotonic() - began)
                began = time.monotonic()
                done = None
                if len(chunk) > 1:
                    done = await process_batch(mine, chunk, custody=custody, currency=currency)
                if done is not None:
                    finished += done
                    continue
                for event_id in chunk:  # one by one: alone, or one of the batch failed
                    state = await process_event(mine, event_id, custody=custody, currency=currency)
                    finished += state in (DONE, FAILED)

        n = max(1, min(concurrency, (len(segment) + BATCH - 1) // BATCH))
        await asyncio.gather(*(worker(chunks) for _ in range(n)))
    return finished


async def process_batch(
    uow: AbstractUnitOfWork, ids: list[int], *, custody: AddressBook, currency: str
) -> int | None:
    """Applies the PENDING activities among `ids` in one transaction (one commit, one read of
    the configuration, one write of the answers): the number applied, or None when one of them
    could not be, in which case nothing is committed and the caller takes them one by one."""
    now = uow.clock.now()
    try:
        async with uow:
            conn = uow.conn
            await _sqlite_write_lock(uow, ids[0])
            rows = (
                await conn.execute(
                    select(
                        inbound_events.c.id,
                        inbound_events.c.kind,
                        inbound_events.c.payload,
                        inbound_events.c.received_at,
                    )
                    .where(inbound_events.c.id.in_(ids), inbound_events.c.state == PENDING)
                    .order_by(inbound_events.c.id)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if any(r.kind != "ACTIVITY" for r in rows):
                return None
            version = await conn.scalar(select(version_subquery()))
            work = [(r, ActivityInput.from_payload(json.loads(r.payload))) for r in rows]
            # The batch's members locked up front in one order, their writes held to the
            # commit; then the events applied in the order received.
            config = await earning_config(conn, version=version)
            happened = [(i.member_id, i.occurred_at or utc(r.received_at) or now) for r, i in work]
            await lock_batch_members(uow, config, happened, now=now)
            answers = []
            for row, inp in work:
                outcome = await apply_activity(
                    uow,
                    row.id,
                    inp,
                    config_version=version,
                    now=now,
                    received_at=utc(row.received_at),
                    custody=custody,
                    currency=currency,
                    rules=matching_rules,
                    store_answer=False,
                )
                answers.append(
                    {
                        "_id": row.id,
                        "_member": outcome.member_pk,
                        "_answer": inbound.dumps(outcome.to_json()),
                    }
                )
            if answers:
                await conn.execute(
                    inbound_events.update()
                    .where(inbound_events.c.id == bindparam("_id"))
                    .values(
                        response=bindparam("_answer"),
                        member_pk=bindparam("_member"),
                        state=DONE,
                        processed_at=now,
                        attempts=inbound_events.c.attempts + 1,
                        error=None,
                    ),
                    answers,
                )
        return len(answers)
    except Exception:
        # A domain error, a deadlock, anything: each event gets its own attempt (and record).
        log.debug("inbox: batch of %s fell back to one by one", len(ids), exc_info=True)
        return None


class InboxProcessor:
    """Runs `process_pending` in the background of an API process: at once when this process
    accepts an event (`wake`), and every `poll` seconds for events other processes accepted,
    retries that are due, and anything left by a crash.

    Answering comes first: while this process has webhooks to answer (`answering`), each batch
    is followed by a pause of YIELD times its duration per worker, so processing takes at most
    about a third of the process during a burst (and never stops), and catches up after it."""

    YIELD = 2.0

    def __init__(
        self,
        uow: Callable[[], AbstractUnitOfWork],
        *,
        custody: Callable[[], AddressBook],
        currency: str,
        poll: float = 1.0,
        concurrency: int = 4,
    ) -> None:
        self._uow = uow
        self._custody = custody
        self._currency = currency
        self._poll = poll
        self._concurrency = concurrency
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._answering = 0

    def wake(self) -> None:
        self._wake.set()

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Around the handling of one webhook request."""
        self._answering += 1
        try:
            yield
        finally:
            self._answering -= 1

    async def _pace(self, took: float) -> None:
        if self._answering:
            await asyncio.sleep(took * self.YIELD * self._concurrency)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="inbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        failures = 0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)
            self._wake.clear()
            try:
                while await process_pending(
                    self._uow(),
                    custody=self._custody(),
                    currency=self._currency,
                    concurrency=self._concurrency,
                    pace=self._pace,
                ):
                    pass
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                if failures in (1, 10) or failures % 100 == 0:
                    log.warning("inbox: cannot process webhooks (database?)", exc_info=True)
                await asyncio.sleep(min(30.0, 0.5 * failures))

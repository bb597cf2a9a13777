"""Long jobs (bulk adjustments, imports): created once per idempotency key, run in batches.

Each batch is one transaction that locks the job's row, does the next `batch` items after the
job's `cursor` and moves the cursor and counters in that same transaction: a process killed at
any point leaves the job at its last commit, and the next run (the same command again, or the
API process at its start) carries on from there. Two runners of one job take turns batch by
batch on the row lock, so nothing is done twice by them either.

States: PENDING (created) → RUNNING (a batch committed) → DONE; FAILED when it cannot start
(an import whose validation found errors) or a batch failed for a reason retrying cannot fix.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.jobs import DONE, FAILED, PENDING, RUNNING, UNFINISHED, job_errors, jobs
from loyalty.db.ledger import insert_or_skip
from loyalty.db.locks import sqlite_write_lock
from loyalty.db.times import utc
from loyalty.domain.errors import Conflict, InvalidInput, NotFound
from loyalty.services import audit, inbound
from loyalty.services.uow import AbstractUnitOfWork

log = logging.getLogger(__name__)

ERRORS_KEPT = 10_000  # per job; `errors` counts every one
REASON_MAX = 500


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    idempotency_key: str
    state: str
    params: dict[str, Any]
    total: int
    processed: int
    errors: int
    cursor: int
    message: str | None
    actor_key_id: str | None
    actor_name: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime

    @property
    def finished(self) -> bool:
        return self.state not in UNFINISHED


@dataclass(frozen=True)
class ItemError:
    row: int  # the item's position: an import's data row (1 = first), a member's order
    field: str
    reason: str
    item: str | None = None  # the member id, when known


@dataclass(frozen=True)
class StepResult:
    cursor: int  # the last item done
    processed: int  # items done in this step
    errors: Sequence[ItemError] = ()
    done: bool = False


def job_from_row(row: Any) -> Job:
    m = row._mapping
    return Job(
        id=m["id"],
        kind=m["kind"],
        idempotency_key=m["idempotency_key"],
        state=m["state"],
        params=json.loads(m["params"]),
        total=m["total"],
        processed=m["processed"],
        errors=m["errors"],
        cursor=m["cursor"],
        message=m["message"],
        actor_key_id=m["actor_key_id"],
        actor_name=m["actor_name"],
        created_at=utc(m["created_at"]),
        started_at=utc(m["started_at"]),
        finished_at=utc(m["finished_at"]),
        updated_at=utc(m["updated_at"]),
    )


def _bad_id(job_id: object) -> NotFound:
    return NotFound(f"no job {str(job_id)[:40]!r}", field="id")


def parse_job_id(value: object) -> int:
    text = str(value)
    if not text.isdigit() or len(text) > 18:
        raise _bad_id(value)
    return int(text)


async def find_job(conn: AsyncConnection, kind: str, key: str) -> Job | None:
    row = (
        await conn.execute(select(jobs).where(jobs.c.kind == kind, jobs.c.idempotency_key == key))
    ).first()
    return job_from_row(row) if row is not None else None


async def get_job(conn: AsyncConnection, job_id: object) -> Job:
    row = (await conn.execute(select(jobs).where(jobs.c.id == parse_job_id(job_id)))).first()
    if row is None:
        raise _bad_id(job_id)
    return job_from_row(row)


async def create_job(
    uow: AbstractUnitOfWork,
    *,
    kind: str,
    key: str,
    request: dict[str, Any],
    params: dict[str, Any],
    total: int,
    state: str = PENDING,
    message: str | None = None,
) -> tuple[Job, bool]:
    """The job of (kind, key): created now (True), or the one created before for the same
    request (False). The same key for a different request is a Conflict (DUPLICATE)."""
    inbound.check_key(key)
    conn, now = uow.conn, uow.clock.now()
    digest = inbound.request_hash(request)
    actor = audit.current_actor()
    values = {
        "kind": kind,
        "idempotency_key": key,
        "request_hash": digest,
        "state": state,
        "params": json.dumps(params, sort_keys=True, separators=(",", ":")),
        "total": total,
        "processed": 0,
        "errors": 0,
        "cursor": 0,
        "message": message,
        "actor_key_id": actor.key_id,
        "actor_name": actor.name[:200],
        "created_at": now,
        "finished_at": now if state in (DONE, FAILED) else None,
        "updated_at": now,
    }
    statement = insert_or_skip(conn.dialect.name, jobs, ["kind", "idempotency_key"])
    created = (await conn.execute(statement.values(values).returning(jobs.c.id))).scalar()
    if created is None:
        found = await find_job(conn, kind, key)
        assert found is not None  # the conflicting row is committed (or ours)
        stored = (
            await conn.execute(select(jobs.c.request_hash).where(jobs.c.id == found.id))
        ).scalar_one()
        if stored != digest:
            raise Conflict(
                f"idempotencyKey {key!r} was used for a different {kind.lower()} (job {found.id})",
                field="idempotencyKey",
            )
        return found, False
    return await get_job(conn, created), True


async def record_errors(
    conn: AsyncConnection, job_id: int, errors: Sequence[ItemError], *, kept: int
) -> None:
    """Stores the first errors of a job, up to ERRORS_KEPT in all (`kept`: stored before)."""
    room = max(0, ERRORS_KEPT - kept)
    rows = [
        {
            "job_id": job_id,
            "row": e.row,
            "item": None if e.item is None else e.item[:256],
            "field": e.field[:64],
            "reason": e.reason[:REASON_MAX],
        }
        for e in errors[:room]
    ]
    if rows:
        await conn.execute(job_errors.insert(), rows)


async def list_errors(
    conn: AsyncConnection, job_id: int, *, first: int = 100, after_row: int = 0
) -> list[ItemError]:
    if not 1 <= first <= 1000:
        raise InvalidInput("first must be from 1 to 1000", field="first")
    rows = (
        await conn.execute(
            select(job_errors)
            .where(job_errors.c.job_id == job_id, job_errors.c.row > after_row)
            .order_by(job_errors.c.row, job_errors.c.id)
            .limit(first)
        )
    ).all()
    return [ItemError(r.row, r.field, r.reason, r.item) for r in rows]


async def all_errors(conn: AsyncConnection, job_id: int) -> list[ItemError]:
    """Every stored error of the job (at most ERRORS_KEPT), in row order: the error file."""
    rows = (
        await conn.execute(
            select(job_errors)
            .where(job_errors.c.job_id == job_id)
            .order_by(job_errors.c.row, job_errors.c.id)
        )
    ).all()
    return [ItemError(r.row, r.field, r.reason, r.item) for r in rows]


async def count_errors_kept(conn: AsyncConnection, job_id: int) -> int:
    found = await conn.scalar(
        select(func.count()).select_from(job_errors).where(job_errors.c.job_id == job_id)
    )
    return int(found or 0)


async def lock_job(conn: AsyncConnection, job_id: int) -> Job:
    """The job's row, locked until the transaction ends (on SQLite: the write lock)."""
    await sqlite_write_lock(conn, jobs, jobs.c.id == job_id, "updated_at")
    row = (await conn.execute(select(jobs).where(jobs.c.id == job_id).with_for_update())).first()
    if row is None:
        raise _bad_id(job_id)
    return job_from_row(row)


async def unfinished_jobs(conn: AsyncConnection) -> list[Job]:
    rows = (
        await conn.execute(select(jobs).where(jobs.c.state.in_(UNFINISHED)).order_by(jobs.c.id))
    ).all()
    return [job_from_row(r) for r in rows]


Step = Callable[[AbstractUnitOfWork, Job, int], Awaitable[StepResult]]
Finish = Callable[[AbstractUnitOfWork, Job], Awaitable[None]]


async def run_job(
    new_uow: Callable[[], AbstractUnitOfWork],
    job_id: int,
    step: Step,
    *,
    batch: int,
    finish: Finish | None = None,
    on_progress: Callable[[Job], object] | None = None,
) -> Job:
    """Runs the job's remaining batches (see the module doc); returns it as it ended.
    `finish` runs in the transaction of the last batch (the audit entry of a finished job)."""
    while True:
        uow = new_uow()
        async with uow:
            conn, now = uow.conn, uow.clock.now()
            job = await lock_job(conn, job_id)
            if job.finished:
                return job
            result = await step(uow, job, batch)
            if result.errors:
                kept = await count_errors_kept(conn, job.id)
                await record_errors(conn, job.id, result.errors, kept=kept)
            values: dict[str, Any] = {
                "cursor": result.cursor,
                "processed": job.processed + result.processed,
                "errors": job.errors + len(result.errors),
                "state": DONE if result.done else RUNNING,
                "updated_at": now,
            }
            if job.started_at is None:
                values["started_at"] = now
            if result.done:
                values["finished_at"] = now
            await conn.execute(jobs.update().where(jobs.c.id == job.id).values(values))
            job = await get_job(conn, job.id)
            if result.done and finish is not None:
                await finish(uow, job)
        if on_progress is not None:
            on_progress(job)
        if job.finished:
            return job


async def fail_job(uow: AbstractUnitOfWork, job_id: int, message: str) -> Job:
    """Marks an unfinished job FAILED (a batch failed for a reason a retry cannot fix)."""
    async with uow:
        job = await lock_job(uow.conn, job_id)
        if job.finished:
            return job
        now = uow.clock.now()
        await uow.conn.execute(
            jobs.update()
            .where(jobs.c.id == job_id)
            .values(state=FAILED, message=message[:2000], finished_at=now, updated_at=now)
        )
        return await get_job(uow.conn, job_id)

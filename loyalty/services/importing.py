"""Importing an existing program's members (issue 16, item 4): validate, then stage, then apply.

`start_import` reads the whole file once. Every row is checked (loyalty.domain.import_rows, and
here what needs the database: an externalId or walletAddress some member already has, a tier
that does not exist), and while no row has failed the rows are staged (import_rows) in the same
transaction as the job. The mode is all or nothing: one refused row and nothing is applied: the
staged rows go, the job is stored FAILED with its errors (the first 10,000; `errors` counts all)
so that the report can be read again; a dry run stores nothing at all. A clean file leaves a
PENDING job that loyalty.services.import_apply runs.

The job's idempotency key is the file's SHA-256 unless the caller gives one: the same file again
finds the same job (DONE: nothing to do; PENDING or RUNNING: carry on), and a member's balance
is imported at most once whatever the file, as the member id is unique.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from eth_utils.address import is_checksum_address
from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.bulk import insert_rows
from loyalty.db.jobs import FAILED, IMPORT, import_rows, jobs
from loyalty.db.ledger import members
from loyalty.db.rules import tiers
from loyalty.domain.import_rows import ImportRow, RowError, read_rows
from loyalty.services import audit
from loyalty.services.jobs import (
    ERRORS_KEPT,
    ItemError,
    Job,
    create_job,
    find_job,
    get_job,
    record_errors,
)
from loyalty.services.uow import AbstractUnitOfWork

CHUNK = 2_000  # rows checked against the database and staged at once
STAGED_COLUMNS = (
    "job_id",
    "row",
    "member_id",
    "email",
    "wallet_address",
    "balance",
    "earned",
    "tier_id",
    "last_activity_at",
)


@dataclass
class ImportReport:
    rows: int = 0  # data rows read
    valid: int = 0
    balance: int = 0  # points the valid rows bring
    wallets: int = 0  # valid rows with a wallet address
    errors: list[RowError] = field(default_factory=list)  # the first ERRORS_KEPT
    error_count: int = 0

    def add_error(self, e: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < ERRORS_KEPT:
            self.errors.append(e)

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "valid": self.valid,
            "balance": self.balance,
            "wallets": self.wallets,
            "errors": self.error_count,
        }


@dataclass(frozen=True)
class ImportStart:
    report: ImportReport | None  # None: the job existed already (the file was not read again)
    job: Job | None  # None for a dry run
    created: bool


async def _tier_ids(conn: AsyncConnection) -> dict[str, str]:
    rows = (await conn.execute(select(tiers.c.id, tiers.c.name))).all()
    found: dict[str, str] = {}
    for tier_id, name in rows:
        found[name.strip().lower()] = tier_id
    for tier_id, _name in rows:
        found[tier_id.lower()] = tier_id  # an id wins over a name that looks like one
    return found


async def _known(conn: AsyncConnection, chunk: Sequence[ImportRow]) -> tuple[set[str], set[str]]:
    """The chunk's member ids and wallet addresses that some member already has."""
    ids = [r.external_id for r in chunk]
    wallets = [r.wallet_address for r in chunk if r.wallet_address]
    c = members.c
    known_ids = set((await conn.execute(select(c.member_id).where(c.member_id.in_(ids)))).scalars())
    known_wallets: set[str] = set()
    if wallets:
        rows = await conn.execute(
            select(c.wallet_address, c.custodial_address).where(
                or_(c.wallet_address.in_(wallets), c.custodial_address.in_(wallets))
            )
        )
        for wallet, custodial in rows.all():
            known_wallets.update(a for a in (wallet, custodial) if a)
    return known_ids, known_wallets


async def _check_chunk(
    conn: AsyncConnection,
    chunk: list[ImportRow],
    tier_ids: dict[str, str],
    report: ImportReport,
) -> list[tuple[ImportRow, str | None]]:
    known_ids, known_wallets = await _known(conn, chunk)
    good: list[tuple[ImportRow, str | None]] = []
    for r in chunk:
        bad = []
        if r.external_id in known_ids:
            bad.append(RowError(r.row, "externalId", "a member with this id exists already"))
        if r.wallet_address is not None and r.wallet_address in known_wallets:
            bad.append(RowError(r.row, "walletAddress", "another member has this address"))
        tier_id = None
        if r.tier is not None:
            tier_id = tier_ids.get(r.tier.lower())
            if tier_id is None:
                bad.append(RowError(r.row, "tier", f"no tier with the id or name {r.tier!r}"))
        if bad:
            for e in bad:
                report.add_error(RowError(e.row, e.field, e.reason, r.external_id))
            continue
        good.append((r, tier_id))
    return good


async def _stage(
    conn: AsyncConnection, job_id: int, rows: list[tuple[ImportRow, str | None]]
) -> None:
    await insert_rows(
        conn,
        import_rows,
        STAGED_COLUMNS,
        [
            (
                job_id,
                r.row,
                r.external_id,
                r.email,
                r.wallet_address,
                r.balance,
                r.earned,
                tier_id,
                r.last_activity_at,
            )
            for r, tier_id in rows
        ],
    )


async def validate(
    conn: AsyncConnection,
    lines: Iterable[str],
    *,
    fmt: str,
    now: datetime,
    job_id: int | None = None,
) -> ImportReport:
    """Reads every row; stages the valid ones under `job_id` while none has failed."""
    report = ImportReport()
    tier_ids = await _tier_ids(conn)
    chunk: list[ImportRow] = []
    rows_seen: set[int] = set()

    async def flush() -> None:
        good = await _check_chunk(conn, chunk, tier_ids, report)
        report.valid += len(good)
        report.balance += sum(r.balance for r, _ in good)
        report.wallets += sum(1 for r, _ in good if r.wallet_address)
        if job_id is not None and not report.error_count:
            await _stage(conn, job_id, good)
        chunk.clear()

    for item in read_rows(lines, fmt=fmt, now=now, checksum_ok=is_checksum_address):
        if item.row:
            rows_seen.add(item.row)
        if isinstance(item, RowError):
            report.add_error(item)
            continue
        chunk.append(item)
        if len(chunk) >= CHUNK:
            await flush()
    if chunk:
        await flush()
    report.rows = len(rows_seen)
    report.errors.sort(key=lambda e: e.row)  # the database's checks come a chunk later
    if not report.rows and not report.error_count:
        report.add_error(RowError(0, "file", "the file has no rows"))
    return report


def _item_errors(errors: Sequence[RowError]) -> list[ItemError]:
    return [ItemError(e.row, e.field, e.reason, e.external_id) for e in errors]


async def start_import(
    uow: AbstractUnitOfWork,
    lines: Iterable[str],
    *,
    fmt: str,
    key: str,
    file_name: str,
    sha256: str,
    dry_run: bool = False,
) -> ImportStart:
    """Validates and stages the file as one job (see the module doc)."""
    request = {"sha256": sha256, "format": fmt}
    async with uow:
        conn, now = uow.conn, uow.clock.now()
        if dry_run:
            return ImportStart(await validate(conn, lines, fmt=fmt, now=now), None, False)
        existing = await find_job(conn, IMPORT, key)
        if existing is not None:
            job, _ = await create_job(
                uow, kind=IMPORT, key=key, request=request, params={}, total=0
            )  # the same request: that job; another: Conflict
            return ImportStart(None, job, False)
        params: dict[str, Any] = {"file": file_name[:200], "sha256": sha256, "format": fmt}
        job, _ = await create_job(
            uow, kind=IMPORT, key=key, request=request, params=params, total=0
        )
        report = await validate(conn, lines, fmt=fmt, now=now, job_id=job.id)
        params["report"] = report.to_json()
        values: dict[str, Any] = {"total": report.valid, "params": _dumps(params)}
        if report.error_count:
            await conn.execute(delete(import_rows).where(import_rows.c.job_id == job.id))
            await record_errors(conn, job.id, _item_errors(report.errors), kept=0)
            values.update(
                state=FAILED,
                errors=report.error_count,
                total=report.rows,
                message=f"{report.error_count} errors in {report.rows} rows: nothing was imported",
                finished_at=now,
            )
        await conn.execute(jobs.update().where(jobs.c.id == job.id).values(values))
        job = await get_job(conn, job.id)
        await audit.changed(
            uow,
            "import",
            str(job.id),
            "create" if not report.error_count else "refuse",
            None,
            {**request, "file": params["file"], "idempotencyKey": key, **report.to_json()},
        )
    return ImportStart(report, job, True)


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


async def staged_count(conn: AsyncConnection, job_id: int) -> int:
    found = await conn.scalar(
        select(func.count()).select_from(import_rows).where(import_rows.c.job_id == job_id)
    )
    return int(found or 0)

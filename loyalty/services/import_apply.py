"""Applying an import job's staged rows (loyalty.services.importing), a batch per transaction.

Per row: the member (its id the row's externalId; the row's wallet linked, else a custodial
address like any member), its totals (loyalty.domain.ledger.import_totals), its contact e-mail,
its stored tier, and, for a balance above 0, one IMPORT ledger entry (business key
`import:<member id>`) with its MINT request in the outbox: the minter sends them in its usual
batches, so the balances arrive on chain as batch mints tagged by the entry type. The batch and
the job's cursor commit together (loyalty.services.jobs), so a killed run resumes after the
last committed row and no row is applied twice. Writes are set-wise, one statement per table
and batch (on PostgreSQL INSERT … SELECT from the staged rows, with the ids drawn ahead and
only the ids and custodial addresses sent, loyalty.db.imports; executemany on SQLite): no per-row
handlers run, so an import sends no notifications, and the stored tier is the file's until the
member's next entry or the periodic tier roll.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.custody import AddressBook
from loyalty.db.bulk import allocate_ids, insert_rows
from loyalty.db.imports import apply_batch
from loyalty.db.jobs import import_rows
from loyalty.db.ledger import ledger_entries, members
from loyalty.db.outbox import MINT, PENDING, chain_requests
from loyalty.db.program import member_contacts, member_tiers
from loyalty.db.referrals import add_codes
from loyalty.domain.ledger import EntryType, import_totals
from loyalty.services import audit
from loyalty.services.jobs import Job, StepResult
from loyalty.services.uow import AbstractUnitOfWork

BATCH = 2_000  # rows per transaction
IMPORT = EntryType.IMPORT.value
MEMBER_COLUMNS = (
    "id",
    "member_id",
    "custodial_address",
    "wallet_address",
    "wallet_linked_at",
    "earned",
    "adjusted",
    "redeemed",
    "last_activity_at",
    "created_at",
    "updated_at",
)
ENTRY_COLUMNS = (
    "id",
    "member_pk",
    "type",
    "points",
    "delta",
    "debt_change",
    "balance_after",
    "business_key",
    "description",
    "created_at",
)
REQUEST_COLUMNS = (
    "kind",
    "address",
    "amount",
    "member_id",
    "ledger_entry_id",
    "status",
    "created_at",
    "updated_at",
)


def _addresses(custody: AddressBook, pks: list[int]) -> list[str]:
    many = getattr(custody, "addresses_for", None)  # the fast path of loyalty.custody.Custody
    if many is not None:
        return list(many(pks))
    return [custody.address_for(pk) for pk in pks]


def import_step_for(custody: AddressBook) -> Any:
    async def import_step(uow: AbstractUnitOfWork, job: Job, batch: int) -> StepResult:
        conn, now = uow.conn, uow.clock.now()
        s = import_rows.c
        if conn.dialect.name == "postgresql":
            return await _postgres_step(conn, custody, job, batch, now)
        rows = (
            await conn.execute(
                select(import_rows)
                .where(s.job_id == job.id, s.row > job.cursor)
                .order_by(s.row)
                .limit(batch)
            )
        ).all()
        if not rows:
            return StepResult(job.cursor, 0, (), done=True)
        pks = await allocate_ids(conn, members, len(rows))
        custodial = _addresses(custody, pks)
        member_rows = []
        for pk, address, r in zip(pks, custodial, rows, strict=True):
            t = import_totals(r.balance, r.earned)
            member_rows.append(
                (
                    pk,
                    r.member_id,
                    address,
                    r.wallet_address,
                    now if r.wallet_address else None,
                    t.earned,
                    t.adjusted,
                    t.redeemed,
                    r.last_activity_at,
                    now,
                    now,
                )
            )
        await insert_rows(conn, members, MEMBER_COLUMNS, member_rows)
        await add_codes(conn, pks, now=now)  # every member can refer (issue 15)
        contacts = [(r.member_id, r.email, now) for r in rows if r.email]
        if contacts:
            # An e-mail set ahead of the member (setMemberContact) is replaced by the file's.
            await conn.execute(
                delete(member_contacts).where(
                    member_contacts.c.member_id.in_([c[0] for c in contacts])
                )
            )
            await insert_rows(conn, member_contacts, ("member_id", "email", "updated_at"), contacts)
        tiered = [
            (pk, r.tier_id, r.earned, now)
            for pk, r in zip(pks, rows, strict=True)
            if r.tier_id is not None
        ]
        await insert_rows(
            conn, member_tiers, ("member_pk", "tier_id", "tier_points", "updated_at"), tiered
        )
        funded = [(pk, a, r) for pk, a, r in zip(pks, custodial, rows, strict=True) if r.balance]
        entry_ids = await allocate_ids(conn, ledger_entries, len(funded))
        description = f"imported (job {job.id})"
        await insert_rows(
            conn,
            ledger_entries,
            ENTRY_COLUMNS,
            [
                (
                    eid,
                    pk,
                    IMPORT,
                    r.balance,
                    r.balance,
                    0,
                    r.balance,
                    f"import:{r.member_id}",
                    description,
                    now,
                )
                for eid, (pk, _a, r) in zip(entry_ids, funded, strict=True)
            ],
        )
        await insert_rows(
            conn,
            chain_requests,
            REQUEST_COLUMNS,
            [
                (
                    MINT,
                    (r.wallet_address or address).lower(),
                    r.balance,
                    r.member_id,
                    eid,
                    PENDING,
                    now,
                    now,
                )
                for eid, (_pk, address, r) in zip(entry_ids, funded, strict=True)
            ],
        )
        last = rows[-1].row
        await conn.execute(
            delete(import_rows).where(s.job_id == job.id, s.row > job.cursor, s.row <= last)
        )
        return StepResult(last, len(rows), (), done=len(rows) < batch)

    return import_step


async def _postgres_step(
    conn: AsyncConnection, custody: AddressBook, job: Job, batch: int, now: datetime
) -> StepResult:
    """The same batch set-wise (loyalty.db.imports): Python sends only ids and addresses."""
    s = import_rows.c
    numbers = list(
        (
            await conn.execute(
                select(s.row)
                .where(s.job_id == job.id, s.row > job.cursor)
                .order_by(s.row)
                .limit(batch)
            )
        ).scalars()
    )
    if not numbers:
        return StepResult(job.cursor, 0, (), done=True)
    pks = await allocate_ids(conn, members, len(numbers))
    await apply_batch(
        conn,
        job_id=job.id,
        rows=numbers,
        pks=pks,
        addresses=_addresses(custody, pks),
        now=now,
        entry_type=IMPORT,
        description=f"imported (job {job.id})",
        mint_kind=MINT,
        mint_status=PENDING,
    )
    await add_codes(conn, pks, now=now)  # every member can refer (issue 15)
    last = numbers[-1]
    # This batch's rows only: `row <= last` would walk the index over every batch deleted before.
    await conn.execute(
        delete(import_rows).where(s.job_id == job.id, s.row > job.cursor, s.row <= last)
    )
    return StepResult(last, len(numbers), (), done=len(numbers) < batch)


async def import_finished(uow: AbstractUnitOfWork, job: Job) -> None:
    await audit.changed(
        uow,
        "import",
        str(job.id),
        "done",
        None,
        {"processed": job.processed, "total": job.total, **job.params.get("report", {})},
    )

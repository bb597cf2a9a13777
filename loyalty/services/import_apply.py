"""Applying an import job's staged rows (loyalty.services.importing), a batch per transaction.

Per row: the member (its id the row's externalId; the row's wallet linked, else a custodial
address like any member), its totals (loyalty.domain.ledger.import_totals), its contact e-mail,
its stored tier, and, for a balance above 0, one IMPORT ledger entry (business key
`import:<member id>`) with its MINT request in the outbox: the minter sends them in its usual
batches, so the balances arrive on chain as batch mints tagged by the entry type. The batch and
the job's cursor commit together (loyalty.services.jobs), so a killed run resumes after the
last committed row and no row is applied twice. Statements are set-wise (executemany, one
round trip per table and batch): no per-row handlers run, so an import sends no notifications;
the stored tier is the file's until the member's next entry or the periodic tier roll.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, select

from loyalty.custody import AddressBook
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


def _addresses(custody: AddressBook, pks: list[int]) -> list[str]:
    many = getattr(custody, "addresses_for", None)  # the fast path of loyalty.custody.Custody
    if many is not None:
        return list(many(pks))
    return [custody.address_for(pk) for pk in pks]


def import_step_for(custody: AddressBook) -> Any:
    async def import_step(uow: AbstractUnitOfWork, job: Job, batch: int) -> StepResult:
        conn, now = uow.conn, uow.clock.now()
        s = import_rows.c
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
        new_members = []
        for r in rows:
            t = import_totals(r.balance, r.earned)
            new_members.append(
                {
                    "member_id": r.member_id,
                    "wallet_address": r.wallet_address,
                    "wallet_linked_at": now if r.wallet_address else None,
                    "earned": t.earned,
                    "adjusted": t.adjusted,
                    "redeemed": t.redeemed,
                    "last_activity_at": r.last_activity_at,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        inserted = await conn.execute(
            members.insert().returning(members.c.id, sort_by_parameter_order=True), new_members
        )
        pks = [row[0] for row in inserted.all()]
        await add_codes(conn, pks, now=now)  # every member can refer (issue 15)
        custodial = _addresses(custody, pks)
        await conn.execute(
            members.update()
            .where(members.c.id == bindparam("_pk"))
            .values(custodial_address=bindparam("_address")),
            [{"_pk": pk, "_address": a} for pk, a in zip(pks, custodial, strict=True)],
        )
        contacts = [
            {"member_id": r.member_id, "email": r.email, "updated_at": now} for r in rows if r.email
        ]
        if contacts:
            # An e-mail set ahead of the member (setMemberContact) is replaced by the file's.
            await conn.execute(
                delete(member_contacts).where(
                    member_contacts.c.member_id.in_([c["member_id"] for c in contacts])
                )
            )
            await conn.execute(member_contacts.insert(), contacts)
        tiered = [
            {
                "member_pk": pk,
                "tier_id": r.tier_id,
                "tier_points": r.earned,
                "next_check_at": None,
                "updated_at": now,
            }
            for pk, r in zip(pks, rows, strict=True)
            if r.tier_id is not None
        ]
        if tiered:
            await conn.execute(member_tiers.insert(), tiered)
        funded = [(pk, a, r) for pk, a, r in zip(pks, custodial, rows, strict=True) if r.balance]
        if funded:
            entries = await conn.execute(
                ledger_entries.insert().returning(
                    ledger_entries.c.id, sort_by_parameter_order=True
                ),
                [
                    {
                        "member_pk": pk,
                        "type": EntryType.IMPORT.value,
                        "points": r.balance,
                        "delta": r.balance,
                        "debt_change": 0,
                        "balance_after": r.balance,
                        "business_key": f"import:{r.member_id}",
                        "description": f"imported (job {job.id})",
                        "created_at": now,
                    }
                    for pk, _a, r in funded
                ],
            )
            entry_ids = [row[0] for row in entries.all()]
            await conn.execute(
                chain_requests.insert(),
                [
                    {
                        "kind": MINT,
                        "address": (r.wallet_address or address).lower(),
                        "amount": r.balance,
                        "member_id": r.member_id,
                        "ledger_entry_id": entry_id,
                        "status": PENDING,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for (_pk, address, r), entry_id in zip(funded, entry_ids, strict=True)
                ],
            )
        last = rows[-1].row
        await conn.execute(delete(import_rows).where(s.job_id == job.id, s.row <= last))
        return StepResult(last, len(rows), (), done=len(rows) < batch)

    return import_step


async def import_finished(uow: AbstractUnitOfWork, job: Job) -> None:
    await audit.changed(
        uow,
        "import",
        str(job.id),
        "done",
        None,
        {"processed": job.processed, "total": job.total, **job.params.get("report", {})},
    )

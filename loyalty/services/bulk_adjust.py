"""bulkAdjustPoints (issue 16, item 3): the same change of points for up to 1,000,000 members,
chosen by an accounts filter or by a list of member ids, run as a job (loyalty.services.jobs).

Each member gets one ADJUST entry whose business key is `job:<job id>:<member pk>`: a unique
key, so a member is adjusted once by a job whatever happens (a retried batch, a second runner,
a process killed mid-batch and started again). The members are walked in id order up to the
highest id when the job was created (members created later are not part of it); a member that
cannot take the change (an amount that would take its balance below zero, or beyond what its
own wallet holds) is skipped and reported as the job's error, the others are adjusted. Each
entry's mint or burn goes through the outbox, so the minter sends them in its usual batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.jobs import BULK_ADJUST
from loyalty.db.ledger import members
from loyalty.db.rules import tiers
from loyalty.domain import values
from loyalty.domain.errors import InvalidInput, NotFound
from loyalty.domain.ledger import EntryType
from loyalty.domain.lifecycle import require_active
from loyalty.domain.values import POINTS_MAX
from loyalty.services import audit
from loyalty.services.adjustments import REASON_MAX
from loyalty.services.jobs import ItemError, Job, StepResult, create_job
from loyalty.services.ledger import post_entry
from loyalty.services.member_list import AccountFilter, member_conditions
from loyalty.services.members import check_member_id, member_from_row
from loyalty.services.program import get_program
from loyalty.services.uow import AbstractUnitOfWork

MEMBER_IDS_MAX = 10_000  # a larger set is chosen by a filter
BATCH = 500  # members per transaction


@dataclass(frozen=True)
class BulkAdjustInput:
    idempotency_key: str
    amount: int
    reason: str
    member_ids: Sequence[str] | None = None
    filter: AccountFilter | None = None


def _check(inp: BulkAdjustInput) -> None:
    if isinstance(inp.amount, bool) or not isinstance(inp.amount, int):
        raise InvalidInput("amount must be an integer", field="amount")
    if inp.amount == 0 or abs(inp.amount) > POINTS_MAX:
        raise InvalidInput(
            f"amount must be from -{POINTS_MAX} to {POINTS_MAX} and not 0", field="amount"
        )
    if not isinstance(inp.reason, str) or not inp.reason.strip() or len(inp.reason) > REASON_MAX:
        raise InvalidInput(f"reason must be 1-{REASON_MAX} characters", field="reason")
    values.check_text("reason", inp.reason)
    if (inp.member_ids is None) == (inp.filter is None):
        raise InvalidInput("give exactly one of filter and memberIds", field="memberIds")
    if inp.member_ids is not None and not 1 <= len(inp.member_ids) <= MEMBER_IDS_MAX:
        raise InvalidInput(
            f"memberIds must name 1 to {MEMBER_IDS_MAX:,} members (use a filter for more)",
            field="memberIds",
        )


def _filter_json(f: AccountFilter) -> dict[str, Any]:
    def iso(v: datetime | None) -> str | None:
        return None if v is None else v.isoformat()

    return {
        "tierId": f.tier_id,
        "minBalance": f.min_balance,
        "maxBalance": f.max_balance,
        "lastActivityFrom": iso(f.last_activity_from),
        "lastActivityTo": iso(f.last_activity_to),
        "search": f.search,
    }


def _filter_from_json(d: dict[str, Any]) -> AccountFilter:
    def dt(v: str | None) -> datetime | None:
        return None if v is None else datetime.fromisoformat(v)

    return AccountFilter(
        d["tierId"],
        d["minBalance"],
        d["maxBalance"],
        dt(d["lastActivityFrom"]),
        dt(d["lastActivityTo"]),
        d["search"],
    )


async def _member_pks(conn: AsyncConnection, member_ids: Sequence[str]) -> list[int]:
    wanted = sorted({check_member_id(m) for m in member_ids})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        rows = await conn.execute(
            select(members.c.member_id, members.c.id).where(members.c.member_id.in_(chunk))
        )
        found.update({m: pk for m, pk in rows.all()})
    unknown = [m for m in wanted if m not in found]
    if unknown:
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise NotFound(f"no member {unknown[0]!r}{more}: nothing was adjusted", field="memberIds")
    return sorted(found.values())


def _audited(request: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The request as the hash-chained audit log keeps it: member ids become the members' audit
    subjects (member:<row id>), which an erasure leaves in place."""
    if "memberIds" not in request:
        return request
    kept = {k: v for k, v in request.items() if k != "memberIds"}
    return {**kept, "members": [audit.audit_subject(pk) for pk in params["memberPks"]]}


async def start_bulk_adjust(uow: AbstractUnitOfWork, inp: BulkAdjustInput) -> tuple[Job, bool]:
    """Creates the job (or returns the one of this idempotency key); True when created. The
    caller runs it (loyalty.services.job_kinds.run)."""
    _check(inp)
    async with uow:
        conn = uow.conn
        # Like adjustPoints; a job accepted before a pause still runs to its end.
        require_active((await get_program(conn)).status, "adjusting points")
        request: dict[str, Any] = {"amount": inp.amount, "reason": inp.reason}
        params: dict[str, Any] = {"amount": inp.amount, "reason": inp.reason}
        if inp.member_ids is not None:
            request["memberIds"] = sorted(set(inp.member_ids))
            pks = await _member_pks(conn, inp.member_ids)
            params["memberPks"] = pks
            total = len(pks)
        else:
            assert inp.filter is not None  # _check: exactly one
            f = inp.filter.normalized()
            if (
                f.tier_id is not None
                and await conn.scalar(select(tiers.c.id).where(tiers.c.id == f.tier_id)) is None
            ):
                raise NotFound(f"no tier {f.tier_id!r}", field="tierId")
            request["filter"] = params["filter"] = _filter_json(f)
            max_pk = int(await conn.scalar(select(func.coalesce(func.max(members.c.id), 0))) or 0)
            params["maxPk"] = max_pk
            total = int(
                await conn.scalar(
                    select(func.count())
                    .select_from(members)
                    .where(*member_conditions(f), members.c.id <= max_pk)
                )
                or 0
            )
        job, created = await create_job(
            uow,
            kind=BULK_ADJUST,
            key=inp.idempotency_key,
            request=request,
            params=params,
            total=total,
        )
        if created:
            await audit.changed(
                uow,
                "bulk_adjustment",
                str(job.id),
                "create",
                None,
                # members by row id, never by member id (loyalty.services.erasure)
                {
                    **_audited(request, params),
                    "total": total,
                    "idempotencyKey": inp.idempotency_key,
                },
            )
    return job, created


async def bulk_adjust_step(uow: AbstractUnitOfWork, job: Job, batch: int) -> StepResult:
    conn, now, p = uow.conn, uow.clock.now(), job.params
    c = members.c
    where: list[Any]
    if "memberPks" in p:
        remaining = [pk for pk in p["memberPks"] if pk > job.cursor]
        pks = remaining[:batch]
        last = len(remaining) <= batch
        where = [c.id.in_(pks)]
    else:
        f = _filter_from_json(p["filter"])
        where = [*member_conditions(f), c.id > job.cursor, c.id <= p["maxPk"]]
        pks = list(
            (await conn.execute(select(c.id).where(*where).order_by(c.id).limit(batch))).scalars()
        )
        last = len(pks) < batch
        where = [c.id.in_(pks)]
    if not pks:
        return StepResult(job.cursor, 0, (), done=True)
    # Locked in member-id order, the order every other multi-member writer locks in.
    rows = (
        await conn.execute(select(members).where(*where).order_by(c.member_id).with_for_update())
    ).all()
    errors: list[ItemError] = []
    for position, member in enumerate(sorted(map(member_from_row, rows), key=lambda m: m.pk)):
        try:
            await post_entry(
                uow,
                member,
                EntryType.ADJUST,
                p["amount"],
                now=now,
                description=p["reason"],
                business_key=f"job:{job.id}:{member.pk}",
                activity=False,
            )
        except InvalidInput as exc:  # checked before anything is written for this member
            row = job.processed + job.errors + position + 1
            errors.append(ItemError(row, exc.field or "amount", str(exc), member.member_id))
    done = len(rows) - len(errors)
    return StepResult(max(pks), done, errors, done=last)


async def bulk_adjust_finished(uow: AbstractUnitOfWork, job: Job) -> None:
    await audit.changed(
        uow,
        "bulk_adjustment",
        str(job.id),
        "done",
        None,
        {"processed": job.processed, "errors": job.errors, "total": job.total},
    )

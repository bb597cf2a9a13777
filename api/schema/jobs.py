"""Long jobs: `bulkAdjustPoints` (admin) and `job(id)` (admins and auditors), the progress of a
bulk adjustment or an import (HTTP POST /import, api.imports; `loyalty import`)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from api.auth import require_admin, require_auditor
from api.context import Context
from api.job_runner import job_runner
from api.schema.member_list import AccountFilter
from api.schema.scalars import Long
from loyalty.services import bulk_adjust
from loyalty.services import jobs as svc


@strawberry.enum(description="Where a job is.")
class JobState(Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = strawberry.enum_value(
        "FAILED", description="Refused (an import with invalid rows: nothing applied) or failed."
    )


@strawberry.enum
class JobKind(Enum):
    BULK_ADJUST = "BULK_ADJUST"
    IMPORT = "IMPORT"


@strawberry.type(description="One item a job refused: an import's row, or a member.")
class JobError:
    row: Long = strawberry.field(
        description="An import's data row (1 = first), or the n-th member."
    )
    field: str
    reason: str
    member_id: str | None


@strawberry.type(description="A bulk adjustment or an import, and how far it got.")
class Job:
    id: strawberry.ID
    kind: JobKind
    state: JobState
    idempotency_key: str
    total: Long = strawberry.field(description="Items to do (an import refused: rows read).")
    processed: Long = strawberry.field(description="Items done, each exactly once.")
    errors: Long = strawberry.field(description="Items refused (the first 10,000 are kept).")
    message: str | None
    created_by: str = strawberry.field(description="The API key (name) that created it.")
    created_date: datetime
    started_date: datetime | None
    finished_date: datetime | None

    @staticmethod
    def from_row(job: svc.Job) -> Job:
        return Job(
            id=strawberry.ID(str(job.id)),
            kind=JobKind(job.kind),
            state=JobState(job.state),
            idempotency_key=job.idempotency_key,
            total=Long(job.total),
            processed=Long(job.processed),
            errors=Long(job.errors),
            message=job.message,
            created_by=job.actor_name,
            created_date=job.created_at,
            started_date=job.started_at,
            finished_date=job.finished_at,
        )

    @strawberry.field(
        description="The refused items in row order, `first` 1-1000 after `afterRow`."
    )
    async def error_items(
        self, info: Info[Context, None], first: int = 100, after_row: Long = Long(0)
    ) -> list[JobError]:
        async with info.context.connection() as conn:
            found = await svc.list_errors(conn, int(self.id), first=first, after_row=int(after_row))
        return [
            JobError(row=Long(e.row), field=e.field, reason=e.reason, member_id=e.item)
            for e in found
        ]


@strawberry.input(description="Give exactly one of filter and memberIds.")
class BulkAdjustPointsInput:
    idempotency_key: str = strawberry.field(
        description="The same key again returns the same job (each member adjusted once)."
    )
    amount: int = strawberry.field(description="The change for each member, + or -.")
    reason: str = strawberry.field(description="Shown in each transaction (1-100 characters).")
    filter: AccountFilter | None = strawberry.field(
        default=None, description="The members `accounts(filter)` lists ({} for everyone)."
    )
    member_ids: list[str] | None = strawberry.field(
        default=None, description=f"Or up to {bulk_adjust.MEMBER_IDS_MAX:,} member ids."
    )


@strawberry.type
class JobsQuery:
    @strawberry.field(description="A job and its progress (admins and auditors).")
    async def job(self, info: Info[Context, None], id: strawberry.ID) -> Job:
        require_auditor(info.context.principal)
        async with info.context.connection() as conn:
            return Job.from_row(await svc.get_job(conn, id))


@strawberry.type
class JobsMutation:
    @strawberry.mutation(
        description="Adds or removes the same points for every member of a filter or list "
        "(admin), as a job: it answers at once; `job(id)` shows the progress. A member whose "
        "balance cannot take the change is skipped and listed in the job's errorItems."
    )
    async def bulk_adjust_points(
        self, info: Info[Context, None], input: BulkAdjustPointsInput
    ) -> Job:
        require_admin(info.context.principal)
        job, _created = await bulk_adjust.start_bulk_adjust(
            info.context.runtime.unit_of_work(),
            bulk_adjust.BulkAdjustInput(
                idempotency_key=input.idempotency_key,
                amount=input.amount,
                reason=input.reason,
                member_ids=input.member_ids,
                filter=input.filter.to_service() if input.filter is not None else None,
            ),
        )
        if not job.finished:
            job_runner(info.context.runtime, info.context.config.custody).start(job.id)
        return Job.from_row(job)

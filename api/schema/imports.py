"""`importMembers(file: Upload!, …)`: the import's upload through GraphQL (issue 16, item 4), by
the GraphQL multipart request spec, answering what POST /import answers (api.imports): the
report, the first refused rows, the job. Admin only; the file is at most
LOYALTY_IMPORT_MAX_BYTES (the whole request; 413 before it is read past that), and the request
needs the Apollo-Require-Preflight header (api.upload_csrf)."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from api.auth import require_admin
from api.context import Context
from api.import_upload import INLINE_ERRORS, file_sha256, start_upload
from api.schema.audit_log import actor_of
from api.schema.jobs import Job, JobError
from api.schema.scalars import Long
from loyalty.domain.errors import InvalidInput
from loyalty.services.importing import ImportReport as Report


@strawberry.enum(description="An import file's format.")
class ImportFormat(Enum):
    CSV = "csv"
    NDJSON = "ndjson"


@strawberry.type(description="What validating an import file found.")
class ImportReport:
    rows: Long = strawberry.field(description="Data rows read.")
    valid: Long
    balance: Long = strawberry.field(description="Points the valid rows bring.")
    wallets: Long = strawberry.field(description="Valid rows with a wallet address.")
    errors: Long = strawberry.field(description="Errors found (one row can have several).")

    @staticmethod
    def from_report(report: Report) -> ImportReport:
        return ImportReport(
            rows=Long(report.rows),
            valid=Long(report.valid),
            balance=Long(report.balance),
            wallets=Long(report.wallets),
            errors=Long(report.error_count),
        )


@strawberry.type(description="The answer to an upload: nothing is imported while errors is not 0.")
class ImportResult:
    report: ImportReport | None = strawberry.field(
        description="None when the same file's job existed already (it was not read again)."
    )
    error_items: list[JobError] = strawberry.field(
        description=f"The first {INLINE_ERRORS} errors in row order; every kept one at "
        "errorsUrl or in job.errorItems."
    )
    job: Job | None = strawberry.field(
        description="None for a dry run; FAILED for a refused file; else PENDING/RUNNING/DONE: "
        "job(id) shows the progress."
    )
    errors_url: str | None = strawberry.field(description="The error file (CSV) of a refused file.")


def _upload_file(file: Any) -> tuple[Any, str | None]:
    """The uploaded part's file object and name (starlette's UploadFile)."""
    f = getattr(file, "file", None)
    if f is None:
        raise InvalidInput("file must be an uploaded file part", field="file")
    return f, getattr(file, "filename", None)


@strawberry.type
class ImportsMutation:
    @strawberry.mutation(
        description="Imports members from a CSV or NDJSON file (admin), uploaded by the GraphQL "
        "multipart request spec with the header Apollo-Require-Preflight. Every row is checked "
        "first; one refused row and nothing is imported. A clean file becomes a job applied in "
        "the background, each row once: the same file again returns the same job."
    )
    async def import_members(
        self,
        info: Info[Context, None],
        file: Upload,
        dry_run: bool = False,
        format: ImportFormat | None = None,
        idempotency_key: str | None = None,  # default the file's SHA-256
    ) -> ImportResult:
        require_admin(info.context.principal)
        spooled, name = _upload_file(file)
        fmt = format.value if format is not None else None
        started = await start_upload(
            info.context.runtime,
            info.context.config,
            actor_of(info.context.principal),
            spooled,
            sha256=file_sha256(spooled),
            file_name=name,
            fmt=fmt,
            dry_run=dry_run,
            key=idempotency_key,
        )
        report, job = started.report, started.job
        refused = job is not None and job.state == "FAILED"
        return ImportResult(
            report=ImportReport.from_report(report) if report is not None else None,
            error_items=[
                JobError(row=Long(e.row), field=e.field, reason=e.reason, member_id=e.external_id)
                for e in (report.errors[:INLINE_ERRORS] if report is not None else [])
            ],
            job=Job.from_row(job) if job is not None else None,
            errors_url=f"/import/{job.id}/errors.csv" if refused and job is not None else None,
        )

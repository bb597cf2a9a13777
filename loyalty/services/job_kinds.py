"""Running any job by its kind: the one place that knows which step each kind takes (the CLI
commands and the API's job runner both come here)."""

from __future__ import annotations

from collections.abc import Callable

from loyalty.custody import AddressBook
from loyalty.db.jobs import BULK_ADJUST, IMPORT
from loyalty.services import bulk_adjust, import_apply
from loyalty.services.jobs import Job, get_job, run_job
from loyalty.services.uow import AbstractUnitOfWork


async def run(
    new_uow: Callable[[], AbstractUnitOfWork],
    job_id: int,
    *,
    custody: Callable[[], AddressBook],
    on_progress: Callable[[Job], object] | None = None,
    batch: int | None = None,
) -> Job:
    """Runs the job to its end (or returns it at once when it has ended)."""
    uow = new_uow()
    async with uow.read() as conn:
        job = await get_job(conn, job_id)
    if job.finished:
        return job
    if job.kind == BULK_ADJUST:
        return await run_job(
            new_uow,
            job_id,
            bulk_adjust.bulk_adjust_step,
            batch=batch or bulk_adjust.BATCH,
            finish=bulk_adjust.bulk_adjust_finished,
            on_progress=on_progress,
        )
    if job.kind == IMPORT:
        return await run_job(
            new_uow,
            job_id,
            import_apply.import_step_for(custody()),
            batch=batch or import_apply.BATCH,
            finish=import_apply.import_finished,
            on_progress=on_progress,
        )
    raise ValueError(f"job {job_id} has an unknown kind {job.kind!r}")  # a newer version's

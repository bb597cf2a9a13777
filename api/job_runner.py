"""Runs long jobs (bulk adjustments, imports) in the API process, in the background of the
request that created them: the mutation answers with the job at once, `job(id)` shows its
progress. At the app's start the jobs a stopped or killed process left unfinished carry on
(loyalty.services.jobs: from their last committed batch; two processes resuming one job take
turns on its row lock, so nothing is done twice)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from loyalty.custody import AddressBook
from loyalty.runtime import Runtime
from loyalty.services import job_kinds
from loyalty.services.jobs import fail_job, unfinished_jobs

log = logging.getLogger(__name__)


class JobRunner:
    def __init__(self, runtime: Runtime, custody: Callable[[], AddressBook]) -> None:
        self.runtime = runtime
        self.custody = custody
        self.tasks: dict[int, asyncio.Task[None]] = {}

    def start(self, job_id: int) -> None:
        """Runs the job in a task of this loop, unless one runs it here already."""
        running = self.tasks.get(job_id)
        if running is not None and not running.done():
            return
        self.tasks[job_id] = asyncio.get_running_loop().create_task(self._run(job_id))

    async def _run(self, job_id: int) -> None:
        try:
            job = await job_kinds.run(self.runtime.unit_of_work, job_id, custody=self.custody)
            log.info(
                "job %s %s: %s of %s, %s errors",
                job.id,
                job.state,
                job.processed,
                job.total,
                job.errors,
            )
        except asyncio.CancelledError:
            raise  # stopping: the job carries on at the next start
        except Exception as exc:  # a bug or a lasting fault: said once, and the job FAILED
            log.exception("job %s failed", job_id)
            try:
                await fail_job(self.runtime.unit_of_work(), job_id, f"{type(exc).__name__}: {exc}")
            except Exception:
                log.exception("job %s could not be marked FAILED", job_id)

    async def resume(self) -> None:
        async with self.runtime.unit_of_work().read() as conn:
            for job in await unfinished_jobs(conn):
                log.info("job %s (%s) carries on from item %s", job.id, job.kind, job.cursor)
                self.start(job.id)

    async def stop(self) -> None:
        tasks = [t for t in self.tasks.values() if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.tasks.clear()


def job_runner(runtime: Runtime, custody: Callable[[], AddressBook]) -> JobRunner:
    """The runtime's one runner (made on first use)."""
    runner = getattr(runtime, "_job_runner", None)
    if runner is None:
        runner = JobRunner(runtime, custody)
        runtime._job_runner = runner  # type: ignore[attr-defined]
    return runner

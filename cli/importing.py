"""`loyalty import FILE [--dry-run]`, `loyalty bulk-adjust …` and `loyalty job ID`: the long
jobs of issue 16 from the command line, with a progress bar on a terminal (rich: a maintained
library the environment already carried; its bar redraws in place and says rows/s and the time
left). Each command can be run again after a kill: the same file (or key) finds its job and
carries on from the last committed batch (loyalty.services.jobs)."""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from loyalty.errors import LoyaltyError
from loyalty.settings import Settings

CLI_ACTOR = "loyalty CLI"
CHUNK = 1 << 20


def _arun(coroutine: Any) -> Any:
    import asyncio  # here: `loyalty --help` stays fast (tests/unit/test_cli_imports.py)

    return asyncio.run(coroutine)


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    for chunk in _chunks(path):
        digest.update(chunk)
    return digest.hexdigest()


def write_errors(path: Path, errors: Any) -> None:
    """The error file: one line per refused field (row, field, reason, externalId)."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["row", "field", "reason", "externalId"])
        for e in errors:
            writer.writerow(
                [
                    e.row,
                    e.field,
                    e.reason,
                    getattr(e, "external_id", None) or getattr(e, "item", None) or "",
                ]
            )


class Progress:
    """A rich progress bar on a terminal; elsewhere a line per tenth done (on stderr)."""

    def __init__(self, label: str, total: int) -> None:
        self.total, self._tenth = max(total, 1), 0
        self._bar: Any = None
        if sys.stderr.isatty():
            from rich.progress import (  # here: `loyalty --help` stays fast
                BarColumn,
                MofNCompleteColumn,
                TaskProgressColumn,
                TextColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar

            self._bar = Bar(
                TextColumn(label),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                TimeRemainingColumn(),
                transient=False,
            )
            self._task = self._bar.add_task(label, total=total)
            self._bar.start()
        self._label = label

    def update(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done)
            return
        tenth = done * 10 // self.total
        if tenth > self._tenth:
            self._tenth = tenth
            print(f"{self._label}: {done:,} of {self.total:,}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def _run_job(settings: Settings, job_id: int, label: str, *, batch: int | None) -> Any:
    from loyalty.custody import custody_for
    from loyalty.db.engine import make_async_engine
    from loyalty.services import job_kinds
    from loyalty.services.bootstrap import unit_of_work_factory
    from loyalty.services.jobs import get_job

    async def go() -> Any:
        engine = make_async_engine(settings.database_url)
        try:
            new_uow = unit_of_work_factory(engine)
            async with engine.connect() as conn:
                job = await get_job(conn, job_id)
            if job.finished:
                return job
            progress = Progress(label, job.total)
            progress.update(job.processed + job.errors)
            try:
                return await job_kinds.run(
                    new_uow,
                    job_id,
                    custody=lambda: custody_for(settings.custody_mnemonic_or_dev()),
                    on_progress=lambda j: progress.update(j.processed + j.errors),
                    batch=batch,
                )
            finally:
                progress.close()
        finally:
            await engine.dispose()

    return _arun(go())


def _with_actor(fn: Callable[[], Any]) -> Any:
    from loyalty.services.audit import Actor, acting_as  # here: `loyalty --help` stays fast

    with acting_as(Actor(None, CLI_ACTOR)):
        return fn()


def _job_line(job: Any) -> str:
    return (
        f"job {job.id} ({job.kind}) {job.state}: {job.processed:,} of {job.total:,} done, "
        f"{job.errors:,} errors"
    )


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from loyalty.db.engine import make_async_engine
    from loyalty.domain.import_rows import text_lines
    from loyalty.services.bootstrap import unit_of_work_factory
    from loyalty.services.importing import start_import
    from loyalty.services.jobs import all_errors

    path = Path(args.file)
    if not path.is_file():
        raise LoyaltyError(f"no file {str(path)!r}")
    fmt = args.format or ("ndjson" if path.suffix.lower() in (".ndjson", ".jsonl") else "csv")
    sha = _sha256(path)
    key = args.key or f"sha256:{sha}"
    errors_path = Path(args.errors) if args.errors else path.with_name(path.name + ".errors.csv")

    async def start() -> Any:
        engine = make_async_engine(settings.database_url)
        try:
            new_uow = unit_of_work_factory(engine)
            started = await start_import(
                new_uow(),
                text_lines(_chunks(path)),
                fmt=fmt,
                key=key,
                file_name=path.name,
                sha256=sha,
                dry_run=args.dry_run,
            )
            stored = []
            if started.report is None and started.job is not None and started.job.errors:
                async with engine.connect() as conn:
                    stored = await all_errors(conn, started.job.id)
            return started, stored
        finally:
            await engine.dispose()

    started, stored = _with_actor(lambda: _arun(start()))
    report, job = started.report, started.job
    if report is not None:
        r = report
        print(
            f"{path.name}: {r.rows:,} rows, {r.valid:,} valid, {r.error_count:,} errors; "
            f"{r.balance:,} points, {r.wallets:,} wallets"
        )
        if r.error_count:
            write_errors(errors_path, r.errors)
            kept = "" if len(r.errors) == r.error_count else f" (the first {len(r.errors):,})"
            print(f"errors{kept} in {errors_path}: nothing was imported", file=sys.stderr)
            return 1
        if args.dry_run:
            print("dry run: the file is valid; nothing was imported")
            return 0
    elif job is not None and job.state == "FAILED":
        write_errors(errors_path, stored)
        print(_job_line(job), file=sys.stderr)
        print(f"this file was refused before; errors in {errors_path}", file=sys.stderr)
        return 1
    assert job is not None
    if not job.finished:
        job = _with_actor(lambda: _run_job(settings, job.id, "importing", batch=args.batch))
    print(_job_line(job))
    if job.state != "DONE":
        return 1
    print(
        "the balances are queued as batch mints: the minter (loyalty serve or loyalty minter) "
        "sends them"
    )
    return 0


def _bulk_adjust(args: argparse.Namespace, settings: Settings) -> int:
    from loyalty.db.engine import make_async_engine
    from loyalty.services.bootstrap import unit_of_work_factory
    from loyalty.services.bulk_adjust import BulkAdjustInput, start_bulk_adjust
    from loyalty.services.member_list import AccountFilter

    chosen = sum(bool(x) for x in (args.member, args.tier, args.all))
    if chosen != 1:
        raise LoyaltyError("give exactly one of --member (repeatable), --tier and --all")
    inp = BulkAdjustInput(
        idempotency_key=args.key,
        amount=args.amount,
        reason=args.reason,
        member_ids=args.member or None,
        filter=None if args.member else AccountFilter(tier_id=args.tier),
    )

    async def start() -> Any:
        engine = make_async_engine(settings.database_url)
        try:
            job, _ = await start_bulk_adjust(unit_of_work_factory(engine)(), inp)
            return job
        finally:
            await engine.dispose()

    job = _with_actor(lambda: _arun(start()))
    if not job.finished:
        job = _with_actor(lambda: _run_job(settings, job.id, "adjusting", batch=args.batch))
    print(_job_line(job))
    return 0 if job.state == "DONE" else 1


def _job(args: argparse.Namespace, settings: Settings) -> int:
    from loyalty.db.engine import make_async_engine
    from loyalty.services.jobs import get_job

    async def read() -> Any:
        engine = make_async_engine(settings.database_url)
        try:
            async with engine.connect() as conn:
                return await get_job(conn, args.id)
        finally:
            await engine.dispose()

    job = _arun(read())
    if args.resume and not job.finished:
        job = _with_actor(lambda: _run_job(settings, job.id, job.kind.lower(), batch=None))
    print(_job_line(job) + (f": {job.message}" if job.message else ""))
    return 0 if job.state in ("DONE", "PENDING", "RUNNING") else 1


def register(sub: Any) -> None:
    p = sub.add_parser(
        "import",
        help="import members and balances from another program (CSV or NDJSON); validates "
        "the whole file first and imports nothing if a row is refused",
    )
    p.add_argument("file")
    p.add_argument(
        "--format",
        choices=["csv", "ndjson"],
        default=None,
        help="default: by the file name (.ndjson/.jsonl, else CSV)",
    )
    p.add_argument("--dry-run", action="store_true", help="validate and report only")
    p.add_argument(
        "--key",
        default=None,
        help="the job's idempotency key (default: the file's "
        "SHA-256, so the same file again finds its job)",
    )
    p.add_argument("--errors", default=None, help="the error file (default FILE.errors.csv)")
    p.add_argument("--batch", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(handler=_import)

    p = sub.add_parser("bulk-adjust", help="add or remove points for many members, as a job")
    p.add_argument("--amount", type=int, required=True)
    p.add_argument("--reason", required=True)
    p.add_argument("--key", required=True, help="idempotency key: the same again resumes")
    p.add_argument("--member", action="append", default=[], help="a member id (repeatable)")
    p.add_argument("--tier", default=None, help="every member of this tier (id)")
    p.add_argument("--all", action="store_true", help="every member")
    p.add_argument("--batch", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(handler=_bulk_adjust)

    p = sub.add_parser("job", help="show a job (bulk adjustment or import); --resume runs it on")
    p.add_argument("id")
    p.add_argument("--resume", action="store_true")
    p.set_defaults(handler=_job)

"""What POST /import (api.imports) and the importMembers mutation (api.schema.imports) share:
an uploaded file, spooled to a temporary file, validated and staged as `loyalty import` does,
and a clean one applied in the background (api.job_runner)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from api.config import ApiConfig
from api.job_runner import job_runner
from loyalty.domain.import_rows import text_lines
from loyalty.runtime import Runtime
from loyalty.services.audit import Actor, acting_as
from loyalty.services.importing import ImportStart, start_import

INLINE_ERRORS = 100  # errors in the answer itself; every kept one is in the error file
CHUNK = 1 << 20


def chunks(f: BinaryIO) -> Iterator[bytes]:
    f.seek(0)
    while chunk := f.read(CHUNK):
        yield chunk


def file_sha256(f: BinaryIO) -> str:
    digest = hashlib.sha256()
    for chunk in chunks(f):
        digest.update(chunk)
    return digest.hexdigest()


async def start_upload(
    runtime: Runtime,
    config: ApiConfig,
    actor: Actor,
    spooled: BinaryIO,
    *,
    sha256: str,
    file_name: str | None,
    fmt: str | None,
    dry_run: bool,
    key: str | None,
) -> ImportStart:
    """Validates and stages the file as `actor` (an admin: the caller checked); a clean file's
    job starts in the background. `fmt` None: ndjson for a .ndjson/.jsonl name, else csv."""
    if fmt is None:
        suffix = Path(file_name or "").suffix.lower()
        fmt = "ndjson" if suffix in (".ndjson", ".jsonl") else "csv"
    with acting_as(actor):
        started = await start_import(
            runtime.unit_of_work(),
            text_lines(chunks(spooled)),
            fmt=fmt,
            key=key or f"sha256:{sha256}",
            file_name=file_name or "upload",
            sha256=sha256,
            dry_run=dry_run,
        )
    if started.job is not None and not started.job.finished:
        job_runner(runtime, config.custody).start(started.job.id)
    return started

"""The import's HTTP upload (issue 16, item 4): `POST /import` with an admin key, the file as
a multipart/form-data part named `file` or as the whole body (text/csv, application/x-ndjson),
at most LOYALTY_IMPORT_MAX_BYTES (256 MiB by default, about 3,000,000 rows of a typical export;
api.limits refuses a bigger one with 413 as it arrives). The GraphQL mutation `importMembers`
(api.schema.imports) takes the same file through the multipart request spec and answers the
same way, through api.import_upload. Query parameters:
`format` (csv or ndjson; default from the part's file name, else csv), `dryRun` (true: validate
and report only), `key` (the job's idempotency key; default the file's SHA-256).

The upload is written to a temporary file (hashed on the way), validated and staged as one job
exactly as `loyalty import` does (loyalty.services.importing), then applied in the background
(api.job_runner); `job(id)` shows the progress. Answers: 200 a clean dry run or a job already
DONE, 202 a job accepted or still running, 422 a refused file (nothing imported; the first 100
errors inline, all kept ones at `GET /import/{id}/errors.csv`), 400/401/403/413 as usual."""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from collections.abc import Callable
from typing import Any, BinaryIO

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.auth import Authenticator, Role, require_admin, require_auditor
from api.config import ApiConfig
from api.errors import ApiError, Forbidden
from api.import_upload import INLINE_ERRORS, start_upload
from api.schema.audit_log import actor_of
from loyalty.domain.errors import DomainError, InvalidInput
from loyalty.runtime import Runtime
from loyalty.services import jobs as job_svc

STATUS = {"VALIDATION": 400, "UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404}
CHUNK = 1 << 20


def _error(
    code: str, message: str, field: str | None = None, status: int | None = None
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    return JSONResponse({"error": body}, status or STATUS.get(code, 400))


def _job_json(job: job_svc.Job) -> dict[str, Any]:
    return {
        "id": str(job.id),
        "kind": job.kind,
        "state": job.state,
        "total": job.total,
        "processed": job.processed,
        "errors": job.errors,
        "message": job.message,
    }


async def _spool(request: Request, target: BinaryIO) -> tuple[str, str | None]:
    """Writes the upload to `target`: its SHA-256 and the file name the client gave."""
    digest = hashlib.sha256()
    name = None
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        async with request.form(max_files=1, max_fields=8) as form:
            part = form.get("file")
            if part is None or isinstance(part, str):
                raise InvalidInput(
                    "the multipart upload needs a file part named 'file'", field="file"
                )
            name = part.filename
            while chunk := await part.read(CHUNK):
                digest.update(chunk)
                target.write(chunk)
    else:
        async for chunk in request.stream():
            digest.update(chunk)
            target.write(chunk)
    target.flush()
    return digest.hexdigest(), name


def _flag(value: str | None, field: str) -> bool:
    if value is None or value.lower() in ("false", "0", ""):
        return False
    if value.lower() in ("true", "1"):
        return True
    raise InvalidInput(f"{field} must be true or false", field=field)


def import_routes(
    runtime: Callable[[], Runtime],
    authenticator: Callable[[], Authenticator],
    config: ApiConfig,
) -> list[Route]:
    async def upload(request: Request) -> Response:
        try:
            principal = await authenticator().principal(request.headers.get("authorization"))
            require_admin(principal)
            params = request.query_params
            for name in params:
                if name not in ("format", "dryRun", "key"):
                    raise InvalidInput(f"unknown parameter {name[:40]!r}", field=name[:40])
            dry_run = _flag(params.get("dryRun"), "dryRun")
            fmt: str | None = params.get("format")
            if fmt is not None and fmt not in ("csv", "ndjson"):
                raise InvalidInput("format must be csv or ndjson", field="format")
            with tempfile.TemporaryFile() as spooled:
                sha, given_name = await _spool(request, spooled)
                started = await start_upload(
                    runtime(),
                    config,
                    actor_of(principal),
                    spooled,
                    sha256=sha,
                    file_name=given_name,
                    fmt=fmt,
                    dry_run=dry_run,
                    key=params.get("key"),
                )
        except (ApiError, DomainError) as exc:
            code = exc.extensions.get("code", "VALIDATION")
            return _error(code, str(exc), exc.extensions.get("field"))
        body: dict[str, Any] = {}
        report, job = started.report, started.job
        if report is not None:
            body["report"] = report.to_json()
            body["errorItems"] = [
                {"row": e.row, "field": e.field, "reason": e.reason, "externalId": e.external_id}
                for e in report.errors[:INLINE_ERRORS]
            ]
        if job is None:  # a dry run
            return JSONResponse(body, 422 if report and report.error_count else 200)
        body["job"] = _job_json(job)
        if job.state == "FAILED":
            body["errorsUrl"] = f"/import/{job.id}/errors.csv"
            return JSONResponse(body, 422)
        if not job.finished:
            return JSONResponse(body, 202)
        return JSONResponse(body, 200)

    async def errors_file(request: Request) -> Response:
        try:
            principal = await authenticator().principal(request.headers.get("authorization"))
            if principal.role is Role.MEMBER:
                raise Forbidden("an import's errors need an admin or auditor API key")
            require_auditor(principal)
            async with runtime().async_engine.connect() as conn:
                job = await job_svc.get_job(conn, request.path_params["id"])
                found = await job_svc.all_errors(conn, job.id)
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["row", "field", "reason", "externalId"])
            for e in found:
                writer.writerow([e.row, e.field, e.reason, e.item or ""])
        except (ApiError, DomainError) as exc:
            return _error(exc.extensions.get("code", "VALIDATION"), str(exc))
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")

    return [
        Route("/import", upload, methods=["POST"]),
        Route("/import/{id}/errors.csv", errors_file, methods=["GET"]),
    ]

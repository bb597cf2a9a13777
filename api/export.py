"""The export's HTTP download (issue 16, item 5): `GET /export/members.csv|ndjson` and
`GET /export/transactions.csv|ndjson` with an admin or auditor key, the same rows and encoding
as `loyalty export` (loyalty.services.export), streamed one keyset batch at a time, so memory
stays flat however large the table.

Query parameters are the GraphQL lists' filters (`accounts`: tierId, minBalance, maxBalance,
lastActivityFrom, lastActivityTo, search; `transactions`: memberId, types (comma-separated or
repeated), ruleId, campaignId, from, to, orderId), checked by the same code. Everything is
checked before the first byte is sent, so a bad request is a JSON error with its status and
stable code (400 VALIDATION, 401 UNAUTHENTICATED, 403 FORBIDDEN, 404 NOT_FOUND) and no rows.
On PostgreSQL the download reads in one REPEATABLE READ snapshot: rows written meanwhile do
not make it half-old, half-new."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from api.auth import Authenticator, Role, require_auditor
from api.errors import ApiError, Forbidden
from loyalty.db.ledger import ledger_entries, members
from loyalty.db.rules import tiers
from loyalty.domain.errors import DomainError, InvalidInput, NotFound
from loyalty.runtime import Runtime
from loyalty.services import export
from loyalty.services.ledger_list import TransactionFilter
from loyalty.services.member_list import AccountFilter
from loyalty.services.members import get_member

log = logging.getLogger(__name__)

MEDIA = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson"}
STATUS = {"VALIDATION": 400, "UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404}
MEMBER_PARAMS = (
    "tierId",
    "minBalance",
    "maxBalance",
    "lastActivityFrom",
    "lastActivityTo",
    "search",
)
TRANSACTION_PARAMS = ("memberId", "types", "ruleId", "campaignId", "from", "to", "orderId")


def _error(code: str, message: str, field: str | None = None) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    return JSONResponse({"error": body}, STATUS.get(code, 400))


class _Params:
    """One query string, read strictly: unknown or repeated parameters are refused."""

    def __init__(self, request: Request, allowed: tuple[str, ...]) -> None:
        self.items = request.query_params.multi_items()
        for name, _ in self.items:
            if name not in allowed:
                raise InvalidInput(
                    f"unknown parameter {name[:40]!r}; this export takes {', '.join(allowed)}",
                    field=name[:40],
                )

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.items if key == name]

    def one(self, name: str) -> str | None:
        values = self.all(name)
        if len(values) > 1:
            raise InvalidInput(f"{name} is given {len(values)} times", field=name)
        return values[0] if values else None

    def integer(self, name: str) -> int | None:
        text = self.one(name)
        if text is None:
            return None
        if not text.strip().lstrip("-").isdigit() or len(text) > 20:
            raise InvalidInput(f"{name} must be an integer", field=name)
        return int(text)

    def instant(self, name: str) -> datetime | None:
        text = self.one(name)
        if text is None:
            return None
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(
                f"{name} must be an ISO 8601 instant, e.g. 2026-12-01T00:00:00Z", field=name
            ) from None
        if value.tzinfo is None:
            raise InvalidInput(f"{name} needs a time zone (e.g. Z or +01:00)", field=name)
        return value


def _member_filter(params: _Params) -> AccountFilter:
    return AccountFilter(
        tier_id=params.one("tierId"),
        min_balance=params.integer("minBalance"),
        max_balance=params.integer("maxBalance"),
        last_activity_from=params.instant("lastActivityFrom"),
        last_activity_to=params.instant("lastActivityTo"),
        search=params.one("search"),
    ).normalized()


def _transaction_filter(params: _Params) -> TransactionFilter:
    types = None
    given = params.all("types")
    if given:
        types = [t.strip().upper() for value in given for t in value.split(",") if t.strip()]
    return TransactionFilter(
        member_id=params.one("memberId"),
        types=types,
        rule_id=params.one("ruleId"),
        campaign_id=params.one("campaignId"),
        start=params.instant("from"),
        end=params.instant("to"),
        order_id=params.one("orderId"),
    ).normalized()


def export_routes(
    runtime: Callable[[], Runtime], authenticator: Callable[[], Authenticator]
) -> list[Route]:
    async def download(request: Request) -> Response:
        what, fmt = request.path_params["what"], request.path_params["fmt"]
        if what not in ("members", "transactions") or fmt not in export.FORMATS:
            return _error(
                "NOT_FOUND",
                "exports: /export/members.csv|ndjson and /export/transactions.csv|ndjson",
            )
        try:
            principal = await authenticator().principal(request.headers.get("authorization"))
            if principal.role is Role.MEMBER:
                raise Forbidden("exports need an admin or auditor API key")
            require_auditor(principal)
            engine = runtime().async_engine
            fields: tuple[str, ...]
            if what == "members":
                mf = _member_filter(_Params(request, MEMBER_PARAMS))
                if mf.tier_id is not None:
                    async with engine.connect() as conn:
                        if (
                            await conn.scalar(select(tiers.c.id).where(tiers.c.id == mf.tier_id))
                            is None
                        ):
                            raise NotFound(f"no tier {mf.tier_id!r}", field="tierId")
                query, key = export.members_query(mf), members.c.id
                fields, record = export.MEMBER_FIELDS, export.member_record
            else:
                tf = _transaction_filter(_Params(request, TRANSACTION_PARAMS))
                member_pk = None
                if tf.member_id is not None:
                    async with engine.connect() as conn:
                        member_pk = (await get_member(conn, tf.member_id)).pk
                query, key = export.transactions_query(tf, member_pk), ledger_entries.c.id
                fields, record = export.TRANSACTION_FIELDS, export.transaction_record
        except (ApiError, DomainError) as exc:
            extensions = exc.extensions
            code, field = extensions["code"], extensions.get("field")
            log.info("export refused: %s %s", code, str(exc)[:200])
            return _error(code, str(exc), field)

        async def body() -> AsyncIterator[str]:
            encoder = export.Encoder(fields, fmt)
            yield encoder.header()
            async with engine.connect() as conn:
                if conn.dialect.name == "postgresql":
                    await conn.execution_options(isolation_level="REPEATABLE READ")
                async with conn.begin():
                    async for rows in export.batches(conn, query, key):
                        yield encoder.rows(map(record, rows))

        return StreamingResponse(
            body(),
            media_type=MEDIA[fmt],
            headers={"content-disposition": f'attachment; filename="{what}.{fmt}"'},
        )

    return [Route("/export/{what}.{fmt}", download, methods=["GET"])]

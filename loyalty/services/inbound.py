"""Idempotency: every inbound event or command is claimed once by (source, key).

The claim is the first write of its transaction. A redelivery finds the claim and gets the first
answer back; on PostgreSQL a redelivery racing the first delivery waits for it to commit (or roll
back, in which case the redelivery does the work). A failed attempt rolls back its claim too, so
a corrected retry with the same key is processed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import inbound_events, insert_or_skip
from loyalty.domain import values
from loyalty.domain.errors import Conflict
from loyalty.services.earning_config import version_subquery

KEY_MAX = 256


def _default(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def dumps(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_default)


def request_hash(request: Mapping[str, Any]) -> str:
    return hashlib.sha256(dumps(request).encode()).hexdigest()


def check_key(key: str, field: str = "idempotencyKey") -> str:
    values.check_identifier(field, key, KEY_MAX)
    return key


@dataclass(frozen=True)
class Claim:
    id: int | None  # None: already claimed earlier
    first_answer: dict[str, Any] | None
    config_version: int | None = None  # with `with_config_version`, on a new claim


async def claim(
    conn: AsyncConnection,
    *,
    source: str,
    key: str,
    request: Mapping[str, Any],
    kind: str,
    received_at: datetime,
    strict: bool,
    with_config_version: bool = False,
    **fields: Any,
) -> Claim:
    """Claims (source, key). For an earlier claim returns its stored answer; with `strict`, a
    different request under the same key is refused (DUPLICATE) rather than answered.
    `with_config_version` reads loyalty.services.earning_config's version in the same statement
    (a round trip saved on the hot path)."""
    digest = request_hash(request)
    returning: list[Any] = [inbound_events.c.id]
    if with_config_version:
        returning.append(version_subquery())
    inserted = (
        await conn.execute(
            insert_or_skip(conn.dialect.name, inbound_events, ["source", "event_key"])
            .values(
                source=source,
                event_key=key,
                request_hash=digest,
                kind=kind,
                received_at=received_at,
                **fields,
            )
            .returning(*returning)
        )
    ).first()
    if inserted is not None:
        return Claim(inserted[0], None, inserted[1] if with_config_version else None)
    row = (
        await conn.execute(
            select(inbound_events.c.request_hash, inbound_events.c.response).where(
                inbound_events.c.source == source, inbound_events.c.event_key == key
            )
        )
    ).one()
    if strict and row.request_hash != digest:
        raise Conflict(
            f"idempotency key {key!r} was already used for a different request",
            field="idempotencyKey",
        )
    return Claim(None, json.loads(row.response) if row.response else {})


async def answer(
    conn: AsyncConnection, inbound_id: int, response: Mapping[str, Any], **fields: Any
) -> None:
    await conn.execute(
        inbound_events.update()
        .where(inbound_events.c.id == inbound_id)
        .values(response=dumps(response), **fields)
    )

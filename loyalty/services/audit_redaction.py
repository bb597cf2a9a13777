"""Taking an erased member out of the hash-chained admin audit log (loyalty.domain.audit's module
doc says how the chain still verifies afterwards).

The entries written today name a member by row reference only (`member:<id>`), but older ones
named the member id itself (adjustments before that rule), and any entry's JSON can hold
personal text an admin typed (a bulk adjustment's `search` filter, a reason). Every entry that
holds the member id, e-mail or name anywhere is redacted: the member id becomes the row
reference where it is the entity id, the pseudonym elsewhere, the e-mail and name `[erased]`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.audit import audit_log
from loyalty.domain.audit import Redacted, redaction
from loyalty.domain.erasure import Redaction
from loyalty.services.audit import audit_subject, entry_from_row, redactions
from loyalty.services.member_list import like_prefix

TEXT_COLUMNS = ("entity_id", "before", "after", "diff")


def _contains(column: Any, value: str) -> Any:
    return func.lower(column).like("%" + like_prefix(value), escape="\\")


async def redact_audit_log(
    conn: AsyncConnection, member_pk: int, erased: Redaction
) -> list[Redacted]:
    """Redacts, in the caller's transaction, every entry naming the member; returns what the
    erasure's own entry must record of each (in seq order)."""
    needles = [v for v in (erased.member_id, *erased.personal) if v]
    c = audit_log.c
    rows = await conn.execute(
        select(audit_log)
        .where(or_(*(_contains(c[name], v) for name in TEXT_COLUMNS for v in needles)))
        .order_by(c.seq)
    )
    found = [entry_from_row(r) for r in rows.all()]
    if not found:
        return []
    earlier = {r.seq: r for r in await redactions(conn)}
    records = []
    for entry in found:
        redacted = replace(
            entry,
            entity_id=(
                audit_subject(member_pk)
                if entry.entity_id == erased.member_id
                else erased.text(entry.entity_id) or ""
            ),
            before=erased.json(entry.before),
            after=erased.json(entry.after),
            diff=erased.json(entry.diff) or "{}",
        )
        records.append(redaction(entry, redacted, earlier.get(entry.seq)))
        await conn.execute(
            update(audit_log)
            .where(c.seq == entry.seq)
            .values(
                entity_id=redacted.entity_id,
                before=redacted.before,
                after=redacted.after,
                diff=redacted.diff,
            )
        )
    return records

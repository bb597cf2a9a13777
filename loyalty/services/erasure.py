"""Erasing a member (GDPR, issue 16): after `erase_member` no table holds the member id, the
e-mail or the contact's name, and the books still add up.

In one transaction, under the member's row lock:
- members: the member id becomes a random pseudonym (loyalty.domain.erasure); the row, its
  totals, its ledger entries and its chain requests stay, so program totals, analytics, the
  ledger audit and the proofs' sums are unchanged. The addresses stay too: the points are on
  chain at them, and the audit compares them with the ledger; with the member id gone, nothing
  says whose they are (docs/program.md#gdpr).
- member_contacts: deleted. notifications to the member: deleted (undelivered ones would carry
  the id out after the erasure).
- member_salts: a new salt, so the leaf commitments H(salt ‖ id) published before cannot be
  tied to the pseudonym. The old commitment itself (a salted hash whose salt is gone: it names no
  one) is kept in member_commitments for the committed tree (minter.commitment), whose roots are
  on chain: the books still give them after the erasure.
- chain_requests.member_id: the pseudonym.
- Text that may carry the id, e-mail or name (idempotency keys, descriptions, wallet challenge
  messages, business keys, order keys; the inbound events' stored JSON) is redacted in the
  member's own rows, and in the inbound events with no member (ignored webhooks) that mention
  them. Idempotency keys of the member's requests are replaced by random ones: a redelivery
  after the erasure is taken as new.
- Pending webhook events of the member are failed (ERASED) rather than applied later.
- Referrals made or received keep their figures; the hash of the IP the member was referred
  from is dropped, and order keys redacted.
- Jobs: the member's refused items (job_errors) name the pseudonym, id lists in a job's
  parameters are redacted, and import rows of the member still waiting are dropped.

The admin audit log is hash-chained. It names members by row id (`member:<id>`,
loyalty.services.audit.audit_subject), never by member id, and adjustments record no
idempotency key; but entries recorded before that rule (kind adjustment, entity id = the member
id: counted in the outcome as `legacyAuditEntries`) and any entry whose JSON holds the member id,
e-mail or name (text an admin typed, such as a bulk adjustment's search filter) are redacted in
place (loyalty.services.audit_redaction), and the erasure's own entry, appended last (kind
`erasure`: the counts of what was scrubbed, nothing personal), records the hash of each
redacted entry's new content, which the chain's verification then checks it against
(loyalty.domain.audit): the chain stays verifiable and unbroken.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.audit import audit_log
from loyalty.db.jobs import import_rows, job_errors, jobs
from loyalty.db.ledger import (
    IN_FAILED,
    IN_PENDING,
    inbound_events,
    ledger_entries,
    members,
    orders,
    wallet_challenges,
)
from loyalty.db.outbox import chain_requests
from loyalty.db.program import member_contacts, notifications, redemptions
from loyalty.db.proofs import member_commitments, member_salts, new_salts
from loyalty.db.referrals import referrals
from loyalty.domain.erasure import Redaction, is_pseudonym, new_pseudonym
from loyalty.domain.errors import InvalidInput
from loyalty.domain.merkle import commitment
from loyalty.services import audit
from loyalty.services.audit_redaction import redact_audit_log
from loyalty.services.member_list import like_prefix
from loyalty.services.members import check_member_id, get_member
from loyalty.services.uow import AbstractUnitOfWork

INBOUND_JSON = ("details", "response", "payload", "error")


@dataclass(frozen=True)
class Erasure:
    pseudonym: str
    scrubbed: dict[str, int] = field(default_factory=dict)  # table → rows changed or deleted
    legacy_audit_entries: int = 0


def _contains(column: Any, value: str) -> Any:
    """Case-insensitive substring match (LIKE with the value escaped)."""
    return func.lower(column).like("%" + like_prefix(value), escape="\\")


async def _redact_columns(
    conn: AsyncConnection,
    table: Table,
    where: Any,
    columns: tuple[str, ...],
    redaction: Redaction,
    *,
    json_columns: tuple[str, ...] = (),
) -> int:
    """Rewrites the given text columns of the matching rows where they hold personal data."""
    pk = next(iter(table.primary_key.columns))
    wanted = [table.c[name] for name in (*columns, *json_columns)]
    rows = (await conn.execute(select(pk, *wanted).where(where))).all()
    changed = 0
    for row in rows:
        values: dict[str, Any] = {}
        for name in columns:
            old = row._mapping[name]
            if redaction.holds(old):
                values[name] = redaction.text(old)
        for name in json_columns:
            old = row._mapping[name]
            if redaction.holds(old):
                values[name] = redaction.json(old)
        if values:
            await conn.execute(update(table).where(pk == row[0]).values(values))
            changed += 1
    return changed


async def _erase_inbound(conn: AsyncConnection, pk: int, redaction: Redaction) -> int:
    e = inbound_events.c
    await conn.execute(
        update(inbound_events)
        .where(e.member_pk == pk, e.state == IN_PENDING)
        .values(
            state=IN_FAILED,
            payload=None,
            error=json.dumps({"code": "ERASED", "message": "the member was erased"}),
        )
    )
    own = (await conn.execute(select(e.id).where(e.member_pk == pk))).scalars().all()
    for event_id in own:  # a random key: the old one may be built from the member id
        await conn.execute(
            update(inbound_events)
            .where(e.id == event_id)
            .values(event_key="erased-" + secrets.token_hex(16))
        )
    mentions = or_(
        *(_contains(e[name], value) for name in INBOUND_JSON for value in _needles(redaction))
    )
    changed = await _redact_columns(
        conn,
        inbound_events,
        or_(e.member_pk == pk, and_(e.member_pk.is_(None), mentions)),
        ("order_key",),
        redaction,
        json_columns=INBOUND_JSON,
    )
    return max(changed, len(own))


def _needles(redaction: Redaction) -> list[str]:
    return [v for v in (redaction.member_id, *redaction.personal) if v]


async def erase_member(uow: AbstractUnitOfWork, member_id: str, *, confirm: str) -> Erasure:
    """Erases the member (NotFound if unknown). `confirm` must repeat the member id: an erasure
    cannot be undone."""
    member_id = check_member_id(member_id)
    if confirm != member_id:
        raise InvalidInput("confirm must repeat the member id exactly", field="confirm")
    if is_pseudonym(member_id):
        raise InvalidInput("this account is already erased", field="memberId")
    async with uow:
        conn = uow.conn
        member = await get_member(conn, member_id, lock=True)
        pk = member.pk
        contact = (
            await conn.execute(
                select(member_contacts.c.email, member_contacts.c.name).where(
                    member_contacts.c.member_id == member_id
                )
            )
        ).first()
        personal = tuple(v for v in (contact or ()) if v)
        pseudonym = new_pseudonym()
        redaction = Redaction(member_id, pseudonym, personal)
        scrubbed: dict[str, int] = {}
        now = uow.clock.now()
        await conn.execute(
            update(members)
            .where(members.c.id == pk)
            .values(member_id=pseudonym, revision=members.c.revision + 1, updated_at=now)
        )
        scrubbed["members"] = 1
        scrubbed["member_contacts"] = (
            await conn.execute(
                delete(member_contacts).where(member_contacts.c.member_id == member_id)
            )
        ).rowcount
        scrubbed["notifications"] = (
            await conn.execute(delete(notifications).where(notifications.c.member_id == member_id))
        ).rowcount
        scrubbed["chain_requests"] = (
            await conn.execute(
                update(chain_requests)
                .where(chain_requests.c.member_id == member_id)
                .values(member_id=pseudonym)
            )
        ).rowcount
        old_salt = await conn.scalar(
            select(member_salts.c.salt).where(member_salts.c.member_pk == pk)
        )
        if old_salt is not None:  # the committed tree's leaf keeps its commitment
            frozen = commitment(bytes(old_salt), member_id)
            await conn.execute(member_commitments.insert().values(member_pk=pk, commitment=frozen))
        await conn.execute(delete(member_salts).where(member_salts.c.member_pk == pk))
        await conn.execute(member_salts.insert(), new_salts([pk]))
        scrubbed["member_salts"] = 1
        scrubbed["inbound_events"] = await _erase_inbound(conn, pk, redaction)
        for table, where, columns in (
            (ledger_entries, ledger_entries.c.member_pk == pk, ("description", "business_key")),
            (redemptions, redemptions.c.member_pk == pk, ("idempotency_key",)),
            (orders, orders.c.member_pk == pk, ("order_key", "external_id")),
            (wallet_challenges, wallet_challenges.c.member_pk == pk, ("message",)),
            (
                referrals,
                or_(referrals.c.referrer_pk == pk, referrals.c.friend_pk == pk),
                ("order_key",),
            ),
        ):
            scrubbed[table.name] = await _redact_columns(conn, table, where, columns, redaction)
        # The hash of the IP the member was referred from: personal data of theirs, kept only
        # for the weekly per-IP limit of other referrals.
        await conn.execute(
            update(referrals).where(referrals.c.friend_pk == pk).values(ip_hash=None)
        )
        # Jobs: the member's refused items and id lists; rows of an import still to come are
        # dropped (the erased person is not imported again).
        scrubbed["job_errors"] = (
            await conn.execute(
                update(job_errors).where(job_errors.c.item == member_id).values(item=pseudonym)
            )
        ).rowcount
        scrubbed["jobs"] = await _redact_columns(
            conn,
            jobs,
            or_(*(_contains(jobs.c.params, v) for v in _needles(redaction))),  # a search filter
            (),
            redaction,
            json_columns=("params",),
        )
        scrubbed["import_rows"] = (
            await conn.execute(delete(import_rows).where(import_rows.c.member_id == member_id))
        ).rowcount
        legacy = int(
            await conn.scalar(
                select(func.count())
                .select_from(audit_log)
                .where(audit_log.c.kind == "adjustment", audit_log.c.entity_id == member_id)
            )
            or 0
        )
        redacted = await redact_audit_log(conn, pk, redaction)
        scrubbed["audit_log"] = len(redacted)
        await audit.changed(
            uow,
            "erasure",
            audit.audit_subject(pk),
            "erase",
            None,
            {
                "scrubbed": scrubbed,
                "legacyAuditEntries": legacy,
                # what `loyalty audit-log verify` checks the redacted entries against
                "redacted": [r.to_json() for r in redacted],
            },
        )
    return Erasure(pseudonym, scrubbed, legacy)

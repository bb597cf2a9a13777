"""The admin audit log: every change of rules, campaigns, tiers, rewards, program settings and
API keys, and every points adjustment, recorded with who made it, when, and before/after, in
the same transaction as the change, as a hash chain (loyalty.domain.audit).

The use cases publish an AdminChanged event on their unit of work; `record_change` (registered
in loyalty.services.handlers) appends the entry on the transaction's connection, so the entry
commits or rolls back with the change. The actor is not a use-case argument: the API sets
`acting_as(...)` for the operation from the caller's credential (api.audit_actor), the CLI for
its commands; unset, the actor is "system".
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.audit import audit_head, audit_log
from loyalty.db.ledger import members
from loyalty.db.rules import api_keys
from loyalty.db.times import utc
from loyalty.domain.audit import (
    AdminChanged,
    AuditEntry,
    ChainBreak,
    ChainChecker,
    Redacted,
    canonical,
    diff,
    entry_hash,
    redactions_in,
    snapshot,
)
from loyalty.domain.errors import InvalidInput, NotFound
from loyalty.services import keyset
from loyalty.services.uow import AbstractUnitOfWork


@dataclass(frozen=True)
class Actor:
    key_id: str | None  # the API key's id ("bootstrap": LOYALTY_ADMIN_API_KEY), None: no key
    name: str


SYSTEM = Actor(None, "system")
BOOTSTRAP_NAME = "bootstrap admin key (LOYALTY_ADMIN_API_KEY)"
_actor: ContextVar[Actor] = ContextVar("audit_actor", default=SYSTEM)


def audit_subject(member_pk: int) -> str:
    """How the log names a member (its entity id): the row id, never the member id, so that
    erasing the member (loyalty.services.erasure) leaves the hash-chained log as it is."""
    return f"member:{member_pk}"


def current_actor() -> Actor:
    return _actor.get()


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def _entry(change: AdminChanged, actor: Actor, seq: int, prev_hash: str) -> AuditEntry:
    before = canonical(change.before) if change.before is not None else None
    after = canonical(change.after) if change.after is not None else None
    draft = AuditEntry(
        seq=seq,
        at=change.at,
        actor_key_id=actor.key_id,
        actor_name=actor.name[:200],
        kind=change.kind,
        entity_id=change.entity_id[:256],
        action=change.action,
        before=before,
        after=after,
        diff=canonical(diff(change.before, change.after)),
        prev_hash=prev_hash,
        hash="",
    )
    return AuditEntry(**{**draft.__dict__, "hash": entry_hash(draft)})


def _values(e: AuditEntry) -> dict[str, Any]:
    return dict(e.__dict__)


_TAKE_HEAD = (
    update(audit_head)
    .where(audit_head.c.id == 1)
    .values(seq=audit_head.c.seq + 1)
    .returning(audit_head.c.seq, audit_head.c.hash)
)


def _named(actor: Actor, name: str | None) -> Actor:
    if actor.key_id == "bootstrap":
        return Actor("bootstrap", BOOTSTRAP_NAME)
    if name is not None:
        return Actor(actor.key_id, name)
    return actor


async def append(conn: AsyncConnection, change: AdminChanged, actor: Actor) -> AuditEntry:
    """Appends the change at the chain's end, in the caller's transaction. Taking the head row
    (an UPDATE) serializes concurrent appends: a row lock on PostgreSQL, the write lock on
    SQLite. Use cases publish their AdminChanged after their other writes, so the head is the
    last lock a transaction takes (no lock-order deadlock with, e.g., member row locks)."""
    name = None
    if actor.key_id is not None:
        name = await conn.scalar(select(api_keys.c.name).where(api_keys.c.id == actor.key_id))
    seq, prev = (await conn.execute(_TAKE_HEAD)).one()
    entry = _entry(change, _named(actor, name), seq, prev)
    await conn.execute(audit_log.insert().values(_values(entry)))
    await conn.execute(update(audit_head).where(audit_head.c.id == 1).values(hash=entry.hash))
    return entry


def append_sync(conn: Connection, change: AdminChanged, actor: Actor) -> AuditEntry:
    """`append` on a synchronous connection (API keys are written by the synchronous CLI)."""
    name = None
    if actor.key_id is not None:
        name = conn.scalar(select(api_keys.c.name).where(api_keys.c.id == actor.key_id))
    seq, prev = conn.execute(_TAKE_HEAD).one()
    entry = _entry(change, _named(actor, name), seq, prev)
    conn.execute(audit_log.insert().values(_values(entry)))
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(hash=entry.hash))
    return entry


async def record_change(event: AdminChanged, uow: AbstractUnitOfWork) -> None:
    """The AdminChanged handler: the entry joins the change's transaction."""
    await append(uow.conn, event, current_actor())


# --- reads --------------------------------------------------------------------------------------


def entry_from_row(row: Any) -> AuditEntry:
    m = row._mapping
    at = utc(m["at"])
    assert at is not None
    return AuditEntry(
        seq=int(m["seq"]),
        at=at,
        actor_key_id=m["actor_key_id"],
        actor_name=m["actor_name"],
        kind=m["kind"],
        entity_id=m["entity_id"],
        action=m["action"],
        before=m["before"],
        after=m["after"],
        diff=m["diff"],
        prev_hash=m["prev_hash"],
        hash=m["hash"],
    )


KINDS = (
    "rule",
    "campaign",
    "tier",
    "reward",
    "program",
    "api_key",
    "adjustment",
    "bulk_adjustment",
    "import",
    "referral_program",
    "erasure",
)


@dataclass(frozen=True)
class AuditFilter:
    kind: str | None = None
    entity_id: str | None = None
    member_id: str | None = None  # resolved to the member's entity id, member:<row id>
    actor_key_id: str | None = None
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive

    def checked(self) -> AuditFilter:
        if self.kind is not None and self.kind not in KINDS:
            raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
        if self.member_id is not None and self.entity_id is not None:
            raise InvalidInput("give entityId or memberId, not both", field="memberId")
        for name, value in (
            ("entityId", self.entity_id),
            ("memberId", self.member_id),
            ("actorKeyId", self.actor_key_id),
        ):
            if value is not None and not 1 <= len(value) <= 256:
                raise InvalidInput(f"{name} must be 1 to 256 characters", field=name)
        for name, when in (("from", self.start), ("to", self.end)):
            if when is not None and when.tzinfo is None:
                raise InvalidInput(f"{name} needs a time zone", field=name)
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise InvalidInput("from must be before to", field="from")
        return self

    def fingerprint(self) -> str:
        return keyset.fingerprint(
            {
                "k": self.kind,
                "e": self.entity_id,
                "m": self.member_id,
                "a": self.actor_key_id,
                "from": self.start,
                "to": self.end,
            }
        )


@dataclass(frozen=True)
class AuditPage:
    items: Sequence[tuple[AuditEntry, str]]
    has_next: bool


async def list_audit(
    conn: AsyncConnection,
    f: AuditFilter | None = None,
    *,
    first: int | None = None,
    after: str | None = None,
) -> AuditPage:
    """Newest first, keyset-paginated by chain position."""
    size = keyset.page_size(first)
    f = (f or AuditFilter()).checked()
    order = keyset.Ordering("auditLog", "SEQ", True, f.fingerprint(), int)
    seek_after = keyset.decode_cursor(order, after) if after is not None else None
    c = audit_log.c
    conditions: list[Any] = []
    if f.kind is not None:
        conditions.append(c.kind == f.kind)
    if f.entity_id is not None:
        conditions.append(c.entity_id == f.entity_id)
    if f.member_id is not None:
        pk = await conn.scalar(select(members.c.id).where(members.c.member_id == f.member_id))
        if pk is None:
            raise NotFound(f"no member {f.member_id!r}", field="memberId")
        conditions.append(c.entity_id == audit_subject(pk))
    if f.actor_key_id is not None:
        conditions.append(c.actor_key_id == f.actor_key_id)
    if f.start is not None:
        conditions.append(c.at >= f.start)
    if f.end is not None:
        conditions.append(c.at < f.end)
    if seek_after is not None:
        conditions.append(keyset.seek(c.seq, c.seq, order, seek_after))
    rows = (
        await conn.execute(
            select(audit_log).where(*conditions).order_by(c.seq.desc()).limit(size + 1)
        )
    ).all()
    items = [
        (e, keyset.encode_cursor(order, e.seq, e.seq)) for e in map(entry_from_row, rows[:size])
    ]
    return AuditPage(items, len(rows) > size)


@dataclass(frozen=True)
class Verification:
    entries: int  # entries checked
    head_seq: int
    head_hash: str
    broken: ChainBreak | None


VERIFY_BATCH = 1000


async def _all_entries(conn: AsyncConnection) -> AsyncIterator[AuditEntry]:
    last = 0
    while True:  # keyset batches: constant memory however long the log
        rows = (
            await conn.execute(
                select(audit_log)
                .where(audit_log.c.seq > last)
                .order_by(audit_log.c.seq)
                .limit(VERIFY_BATCH)
            )
        ).all()
        for row in rows:
            yield entry_from_row(row)
        if len(rows) < VERIFY_BATCH:
            return
        last = int(rows[-1].seq)


async def redactions(conn: AsyncConnection) -> list[Redacted]:
    """What the erasures recorded of the entries they redacted, in chain order (few rows: one
    erasure entry per erased member)."""
    rows = await conn.execute(
        select(audit_log.c.after).where(audit_log.c.kind == "erasure").order_by(audit_log.c.seq)
    )
    return [r for (after,) in rows.all() for r in redactions_in(after)]


async def verify(conn: AsyncConnection) -> Verification:
    """Recomputes the chain from the first entry; names the first entry that breaks it."""
    head_seq, head_hash = (
        await conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1))
    ).one()
    checker = ChainChecker(await redactions(conn))
    broken: ChainBreak | None = None
    async for e in _all_entries(conn):
        broken = checker.check(e)
        if broken is not None:
            break
    if broken is None:
        broken = checker.finish(head_seq=int(head_seq), head_hash=head_hash)
    return Verification(checker.checked, int(head_seq), head_hash, broken)


async def changed(
    uow: AbstractUnitOfWork,
    kind: str,
    entity_id: str,
    action: str,
    before: Any,
    after: Any,
    *,
    drop: Sequence[str] = (),
) -> None:
    """Publishes the AdminChanged of a use case on its open unit of work (snapshots of the
    dataclasses `before` and `after`, None for what did not exist)."""
    await uow.publish(
        AdminChanged(
            kind=kind,
            entity_id=entity_id,
            action=action,
            before=None if before is None else snapshot(before, drop=drop),
            after=None if after is None else snapshot(after, drop=drop),
            at=uow.clock.now(),
        )
    )

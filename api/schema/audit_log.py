"""`auditLog(filter, first, after)`: the admin audit log (admins and auditors), newest first;
and AuditActor, the schema extension that names the caller as the actor of every change an
operation makes (loyalty.services.audit.acting_as), so use cases never take it as an argument."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from enum import Enum

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.scalars import JSON
from strawberry.types import Info

from api.auth import Principal, Role, require_auditor
from api.context import Context
from api.schema.pagination import PageInfo
from api.schema.scalars import Long
from loyalty.domain.audit import AuditEntry
from loyalty.services import audit as svc


def actor_of(principal: Principal) -> svc.Actor:
    if principal.role in (Role.ADMIN, Role.AUDITOR):
        return svc.Actor(principal.key_id, f"{principal.role.value} key {principal.key_id}")
    if principal.role is Role.MEMBER:
        return svc.Actor(None, f"member {principal.member_id}")
    return svc.Actor(None, "anonymous")


class AuditActor(SchemaExtension):
    """The operation's caller is the actor of what it changes (the key's name is looked up
    when an entry is written)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        principal = getattr(context, "principal", None)
        if not isinstance(principal, Principal):
            yield
            return
        with svc.acting_as(actor_of(principal)):
            yield


@strawberry.enum(description="What an audit-log entry is about.")
class AuditKind(Enum):
    RULE = "rule"
    CAMPAIGN = "campaign"
    TIER = "tier"
    REWARD = "reward"
    PROGRAM = "program"
    API_KEY = "api_key"
    ADJUSTMENT = "adjustment"
    BULK_ADJUSTMENT = "bulk_adjustment"
    IMPORT = "import"
    REFERRAL_PROGRAM = "referral_program"
    ERASURE = "erasure"


@strawberry.type(description="Who made a change: the API key (id and name), or the system.")
class AuditActorInfo:
    key_id: str | None
    name: str


@strawberry.type(description="One change, hash-chained to the entry before it.")
class AuditLogEntry:
    seq: Long = strawberry.field(description="Position in the chain: 1, 2, 3 … without gaps.")
    at: datetime
    actor: AuditActorInfo
    kind: AuditKind
    entity_id: str
    action: str = strawberry.field(
        description="create, update, delete, set_limits, revoke or adjust; for a bulk "
        "adjustment or import also done (its totals) or refuse (an import with invalid rows)."
    )
    before: JSON | None
    after: JSON | None
    diff: JSON = strawberry.field(description='{field: {"before": …, "after": …}}')
    prev_hash: str
    hash: str

    @classmethod
    def from_entry(cls, e: AuditEntry) -> AuditLogEntry:
        return cls(
            seq=Long(e.seq),
            at=e.at,
            actor=AuditActorInfo(key_id=e.actor_key_id, name=e.actor_name),
            kind=AuditKind(e.kind),
            entity_id=e.entity_id,
            action=e.action,
            before=json.loads(e.before) if e.before is not None else None,
            after=json.loads(e.after) if e.after is not None else None,
            diff=json.loads(e.diff),
            prev_hash=e.prev_hash,
            hash=e.hash,
        )


@strawberry.input(description="Every given condition must hold.")
class AuditLogFilter:
    kind: AuditKind | None = None
    entity_id: str | None = strawberry.field(
        default=None, description="A member is `member:<row id>` (see memberId)."
    )
    member_id: str | None = strawberry.field(
        default=None, description="A member's entries (adjustments, erasure), by member id."
    )
    actor_key_id: str | None = None
    from_: datetime | None = strawberry.field(name="from", default=None, description="Inclusive.")
    to: datetime | None = strawberry.field(default=None, description="Exclusive.")


@strawberry.type
class AuditLogEdge:
    cursor: str
    node: AuditLogEntry


@strawberry.type
class AuditLogConnection:
    edges: list[AuditLogEdge]
    page_info: PageInfo

    @strawberry.field(description="The entries of this page (the edges' nodes).")
    def nodes(self) -> list[AuditLogEntry]:
        return [edge.node for edge in self.edges]


@strawberry.type
class AuditLogQuery:
    @strawberry.field(
        description="The admin audit log, newest first (admin or auditor). `first` is 1 to 100 "
        "(default 20); `after` an endCursor of the same filter (else VALIDATION)."
    )
    async def audit_log(
        self,
        info: Info[Context, None],
        filter: AuditLogFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> AuditLogConnection:
        require_auditor(info.context.principal)
        f = filter or AuditLogFilter()
        where = svc.AuditFilter(
            kind=f.kind.value if f.kind else None,
            entity_id=f.entity_id,
            member_id=f.member_id,
            actor_key_id=f.actor_key_id,
            start=f.from_,
            end=f.to,
        )
        async with info.context.connection() as conn:
            page = await svc.list_audit(conn, where, first=first, after=after)
        edges = [
            AuditLogEdge(cursor=cursor, node=AuditLogEntry.from_entry(e))
            for e, cursor in page.items
        ]
        return AuditLogConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

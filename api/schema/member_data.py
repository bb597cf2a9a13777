"""GDPR (issue 16): `exportMemberData(memberId)`, everything held about one member as one JSON
document (the member themself, auditors and admins), and `eraseMember(memberId, confirm)`
(admins), which leaves a pseudonymous account whose ledger still adds up
(loyalty.services.erasure; docs/program.md#gdpr)."""

from __future__ import annotations

from typing import Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.auth import require_admin, require_member_or_admin
from api.context import Context
from api.schema.scalars import Long
from loyalty.services.erasure import Erasure, erase_member
from loyalty.services.member_data import member_data


@strawberry.type(description="What eraseMember did.")
class MemberErasure:
    pseudonym: str = strawberry.field(
        description="The account's id from now on: random, not derived from the member id."
    )
    scrubbed: JSON = strawberry.field(description="Rows changed or deleted, per table.")
    legacy_audit_entries: Long = strawberry.field(
        description="Audit-log entries made before the log named members by row id that still "
        "carry the member id (the hash chain forbids rewriting them)."
    )

    @classmethod
    def from_row(cls, e: Erasure) -> MemberErasure:
        return cls(
            pseudonym=e.pseudonym,
            scrubbed=cast(JSON, dict(e.scrubbed)),
            legacy_audit_entries=Long(e.legacy_audit_entries),
        )


@strawberry.type
class MemberDataQuery:
    @strawberry.field(
        description="Everything held about the member, machine-readable (format "
        "loyalty.member-data/1): the member themself, an auditor or an admin."
    )
    async def export_member_data(self, info: Info[Context, None], member_id: str) -> JSON:
        require_member_or_admin(info.context.principal, member_id)
        async with info.context.connection() as conn:
            document: dict[str, Any] = await member_data(conn, member_id)
        return cast(JSON, document)


@strawberry.type
class MemberDataMutation:
    @strawberry.mutation(
        description="Erases the member (admin): id, e-mail and contact gone from every table, "
        "the ledger kept under a random pseudonym. `confirm` repeats the member id. Cannot be "
        "undone."
    )
    async def erase_member(
        self, info: Info[Context, None], member_id: str, confirm: str
    ) -> MemberErasure:
        require_admin(info.context.principal)
        erased = await erase_member(info.context.runtime.unit_of_work(), member_id, confirm=confirm)
        return MemberErasure.from_row(erased)

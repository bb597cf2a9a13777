"""`viewer`: who the request's credential is (its role, and the member of a member token), so
that a client such as the admin console can show an auditor a read-only view."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.types import Info

from api.context import Context


@strawberry.enum(description="ADMIN writes; AUDITOR reads everything; MEMBER reads their own.")
class ViewerRole(Enum):
    ANONYMOUS = "anonymous"
    MEMBER = "member"
    AUDITOR = "auditor"
    ADMIN = "admin"


@strawberry.type
class Viewer:
    role: ViewerRole
    member_id: str | None


@strawberry.type
class ViewerQuery:
    @strawberry.field(description="The caller, as the API sees their credential.")
    def viewer(self, info: Info[Context, None]) -> Viewer:
        principal = info.context.principal
        return Viewer(role=ViewerRole(principal.role.value), member_id=principal.member_id)

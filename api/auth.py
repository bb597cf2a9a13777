"""Who is calling, and what they may do.

Admins (API keys) may do everything; an auditor key may read everything and run audits; a member
(JWT, `sub` = member id) may read only their own data; anonymous callers may read only public
token facts. Resolvers call the `require_*` helpers; they never inspect headers themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from api.errors import Forbidden, Unauthenticated


class Role(Enum):
    ANONYMOUS = "anonymous"
    MEMBER = "member"
    AUDITOR = "auditor"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    role: Role
    member_id: str | None = None
    key_id: str | None = None  # the API key's public id, for logs

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


ANONYMOUS = Principal(Role.ANONYMOUS)


def require_admin(principal: Principal) -> None:
    if principal.role is Role.ADMIN:
        return
    _refuse(principal, "this operation needs an admin API key")


def require_auditor(principal: Principal) -> None:
    """Admins and auditors."""
    if principal.role in (Role.ADMIN, Role.AUDITOR):
        return
    _refuse(principal, "this operation needs an admin or auditor API key")


def require_member_or_admin(principal: Principal, member_id: str) -> None:
    """The member themself, or an admin/auditor (read access)."""
    if principal.role in (Role.ADMIN, Role.AUDITOR):
        return
    if principal.role is Role.MEMBER and principal.member_id == member_id:
        return
    _refuse(principal, "members may only read their own data")


def _refuse(principal: Principal, why: str) -> None:
    if principal.role is Role.ANONYMOUS:
        raise Unauthenticated(f"authentication required: {why}")
    raise Forbidden(why)

"""`accounts(filter, orderBy, first, after)`: the program's members as a keyset-paginated list,
for admins and auditors (a member reads their own `account`). Each node is the LoyaltyAccount of
api.schema.accounts, primed into the request's member loader so its fields read nothing again."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from api.auth import Role, require_auditor
from api.context import Context
from api.errors import Forbidden
from api.schema.accounts import LoyaltyAccount
from api.schema.pagination import PageInfo
from api.schema.scalars import Long
from loyalty.services import member_list as svc


@strawberry.enum(description="Which way a list is sorted.")
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.enum(description="What `accounts` is sorted by (ties: the member's creation order).")
class AccountOrderField(Enum):
    BALANCE = "BALANCE"
    EARNED = "EARNED"
    LAST_ACTIVITY = strawberry.enum_value(
        "LAST_ACTIVITY",
        description="The last activity; a member with none yet sorts at its creation time.",
    )
    CREATED = "CREATED"


@strawberry.input(description="Default: newest member first (CREATED, DESC).")
class AccountOrder:
    field: AccountOrderField = AccountOrderField.CREATED
    direction: SortDirection = SortDirection.DESC


@strawberry.input(description="Every given condition must hold.")
class AccountFilter:
    tier_id: strawberry.ID | None = strawberry.field(
        default=None, description="The member's current tier."
    )
    min_balance: Long | None = strawberry.field(default=None, description="Inclusive.")
    max_balance: Long | None = strawberry.field(default=None, description="Inclusive.")
    last_activity_from: datetime | None = strawberry.field(
        default=None, description="Inclusive instant; members never active do not match."
    )
    last_activity_to: datetime | None = strawberry.field(
        default=None, description="Exclusive instant."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Case-insensitive prefix of the member id, the e-mail, or the wallet or "
        "custodial address.",
    )

    def to_service(self) -> svc.AccountFilter:
        return svc.AccountFilter(
            tier_id=str(self.tier_id) if self.tier_id is not None else None,
            min_balance=int(self.min_balance) if self.min_balance is not None else None,
            max_balance=int(self.max_balance) if self.max_balance is not None else None,
            last_activity_from=self.last_activity_from,
            last_activity_to=self.last_activity_to,
            search=self.search,
        )


@strawberry.type
class LoyaltyAccountEdge:
    cursor: str
    node: LoyaltyAccount


@strawberry.type
class LoyaltyAccountConnection:
    edges: list[LoyaltyAccountEdge]
    page_info: PageInfo

    @strawberry.field(description="The accounts of this page (the edges' nodes).")
    def nodes(self) -> list[LoyaltyAccount]:
        return [edge.node for edge in self.edges]


@strawberry.type
class MemberListQuery:
    @strawberry.field(
        description="The program's accounts (admin or auditor), one keyset page at a time: "
        "`first` is 1 to 100 (default 20), `after` an endCursor of the same orderBy and filter "
        "(else VALIDATION, field `after`)."
    )
    async def accounts(
        self,
        info: Info[Context, None],
        filter: AccountFilter | None = None,
        order_by: AccountOrder | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> LoyaltyAccountConnection:
        principal = info.context.principal
        if principal.role is Role.MEMBER:
            raise Forbidden("members may only read their own account: use account(memberId)")
        require_auditor(principal)
        order = order_by or AccountOrder()
        async with info.context.connection() as conn:
            page = await svc.list_members(
                conn,
                filter.to_service() if filter else None,
                order_field=order.field.value,
                descending=order.direction is SortDirection.DESC,
                first=first,
                after=after,
            )
        edges = []
        for member, cursor in page.items:
            info.context.loaders.member.prime(member.member_id, member)
            edges.append(LoyaltyAccountEdge(cursor=cursor, node=LoyaltyAccount.from_row(member)))
        return LoyaltyAccountConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

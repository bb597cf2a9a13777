"""`earningRule` and `earningRules`: admins, auditors and members read rules (a shop shows
members how they earn); anonymous callers nothing."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.auth import Principal, Role
from api.context import Context
from api.errors import NotFound, Unauthenticated
from api.schema.pagination import PageInfo
from api.schema.rules.inputs import EarningRuleFilter, rule_status
from api.schema.rules.types import MAX_ID, EarningRule, EarningRuleConnection, EarningRuleEdge
from loyalty.services import rules as service


def require_rule_reader(principal: Principal) -> None:
    if principal.role is Role.ANONYMOUS:
        raise Unauthenticated(
            "authentication required: reading earning rules needs a key or a member token"
        )


@strawberry.type
class RulesQuery:
    @strawberry.field(description="One earning rule by id.")
    async def earning_rule(self, info: Info[Context, None], id: strawberry.ID) -> EarningRule:
        require_rule_reader(info.context.principal)
        rule_id = str(id)
        rule = (
            await info.context.loaders.earning_rule.load(rule_id)
            if len(rule_id) <= MAX_ID
            else None
        )
        if rule is None:
            raise NotFound(f"no earning rule with id {rule_id[:MAX_ID]!r}", field="id")
        return EarningRule.from_row(rule)

    @strawberry.field(
        description="Earning rules, oldest first, as a cursor connection. `first` is 1 to 100 "
        "(default 50); a larger page is refused with VALIDATION, never silently capped."
    )
    async def earning_rules(
        self,
        info: Info[Context, None],
        filter: EarningRuleFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> EarningRuleConnection:
        require_rule_reader(info.context.principal)
        where = service.RuleFilter(
            trigger_app_id=filter.trigger_app_id if filter else None,
            trigger_activity_type=filter.trigger_activity_type if filter else None,
            status=rule_status(filter.status) if filter else None,
        )
        async with info.context.connection() as conn:
            page = await service.list_rules(conn, where=where, first=first, after=after)
        edges = [EarningRuleEdge(cursor=c, node=EarningRule.from_row(r)) for c, r in page.rules]
        return EarningRuleConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=page.end_cursor,
            ),
        )

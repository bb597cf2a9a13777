"""The rule mutations (admin-only): create, bulk create, update at a revision, delete."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.auth import require_admin
from api.context import Context
from api.errors import NotFound
from api.schema.rules.inputs import EarningRuleInput, EarningRuleUpdate
from api.schema.rules.types import (
    MAX_ID,
    BulkActionMetadata,
    BulkCreateEarningRulesResult,
    DeleteEarningRuleResult,
    EarningRule,
    bulk_result,
)
from api.schema.scalars import Long
from loyalty.services import rules as service


@strawberry.type
class RulesMutation:
    @strawberry.mutation(description="Creates an earning rule (admin).")
    async def create_earning_rule(
        self, info: Info[Context, None], earning_rule: EarningRuleInput
    ) -> EarningRule:
        require_admin(info.context.principal)
        uow = info.context.runtime.unit_of_work()
        rule = await service.create_rule(uow, earning_rule.to_domain())
        return EarningRule.from_row(rule)

    @strawberry.mutation(
        description="Creates up to 100 earning rules, each on its own: the result says, per "
        "item, whether it was created or why not (admin)."
    )
    async def bulk_create_earning_rules(
        self, info: Info[Context, None], earning_rules: list[EarningRuleInput]
    ) -> BulkCreateEarningRulesResult:
        require_admin(info.context.principal)
        outcomes = await service.bulk_create(
            info.context.runtime.unit_of_work(), [item.to_domain() for item in earning_rules]
        )
        results = [bulk_result(i, outcome) for i, outcome in enumerate(outcomes)]
        failures = sum(1 for r in results if not r.item_metadata.success)
        return BulkCreateEarningRulesResult(
            results=results,
            bulk_action_metadata=BulkActionMetadata(
                total_successes=len(results) - failures, total_failures=failures
            ),
        )

    @strawberry.mutation(
        description="Changes the given fields of a rule at `revision` (its current one, else "
        "INVALID_REVISION); the rule's revision goes up by one (admin)."
    )
    async def update_earning_rule(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        revision: Long,
        earning_rule: EarningRuleUpdate,
    ) -> EarningRule:
        require_admin(info.context.principal)
        rule = await service.update_rule(
            info.context.runtime.unit_of_work(),
            _rule_id(id),
            revision=revision,
            changes=earning_rule.to_domain(),
        )
        return EarningRule.from_row(rule)

    @strawberry.mutation(
        description="Deletes a rule at `revision`. Pre-installed rules cannot be deleted, only "
        "paused (admin)."
    )
    async def delete_earning_rule(
        self, info: Info[Context, None], id: strawberry.ID, revision: Long
    ) -> DeleteEarningRuleResult:
        require_admin(info.context.principal)
        uow = info.context.runtime.unit_of_work()
        rule = await service.delete_rule(uow, _rule_id(id), revision=revision)
        return DeleteEarningRuleResult(id=strawberry.ID(rule.id))


def _rule_id(value: strawberry.ID) -> str:
    rule_id = str(value)
    if len(rule_id) > MAX_ID:
        raise NotFound(f"no earning rule with id {rule_id[:MAX_ID]!r}…", field="id")
    return rule_id

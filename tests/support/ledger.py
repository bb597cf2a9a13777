"""Helpers for the ledger-area tests: engines, rules, and counting what was written."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.custody import custody_for
from loyalty.db.ledger import inbound_events, ledger_entries, members
from loyalty.db.outbox import chain_requests
from loyalty.domain.rules import ConversionRateConfig, FixedAmountConfig, RuleInput
from loyalty.services.rules import create_rule, matching_rules
from loyalty.settings import DEV_CUSTODY_MNEMONIC
from tests.support.uow import uow_for

CUSTODY = custody_for(DEV_CUSTODY_MNEMONIC)
RULES = matching_rules
STORES = "stores"
ORDER_PAID = "stores/OrderPaid"


async def add_rate_rule(
    engine: AsyncEngine, *, per: str = "1", points: int = 2, title: str = "Purchase"
) -> str:
    """points per `per` money spent on stores/OrderPaid."""
    rule = await create_rule(
        uow_for(engine),
        RuleInput(
            title=title,
            trigger_app_id=STORES,
            trigger_activity_type=ORDER_PAID,
            conversion_rate=(ConversionRateConfig(None, Decimal(per), points),),
        ),
    )
    return rule.id


async def add_fixed_rule(
    engine: AsyncEngine, activity_type: str, points: int, *, app: str = "reviews"
) -> str:
    rule = await create_rule(
        uow_for(engine),
        RuleInput(
            title=f"{activity_type} {points}",
            trigger_app_id=app,
            trigger_activity_type=activity_type,
            fixed_amount=(FixedAmountConfig(None, points),),
        ),
    )
    return rule.id


async def count(engine: AsyncEngine, table, *where) -> int:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        )


async def written(engine: AsyncEngine) -> tuple[int, int, int, int]:
    """(members, inbound events, ledger entries, chain requests)."""
    return (
        await count(engine, members),
        await count(engine, inbound_events),
        await count(engine, ledger_entries),
        await count(engine, chain_requests),
    )

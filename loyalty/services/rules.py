"""Earning rules in the database: create, bulk create, update, delete; the reads (by id, active,
matching, keyset pages) are in loyalty.services.rule_reads and re-exported here.

The domain validates; this module stores. Readers take a connection; writers take a unit of
work (loyalty.services.uow) and run in its transaction, except `bulk_create`, which runs each
item in a transaction of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.rules import earning_rule_configs, earning_rules
from loyalty.domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    RevisionMismatch,
    UnknownTier,
)
from loyalty.domain.rules import (
    EarningRule,
    RuleChanges,
    RuleInput,
    check_deletable,
    new_rule,
    updated_rule,
)
from loyalty.services import audit
from loyalty.services.rule_reads import (
    DEFAULT_PAGE,
    MAX_BULK,
    MAX_PAGE,
    RuleFilter,
    RulePage,
    _live,
    active_rules,
    count_rules,
    decode_cursor,
    encode_cursor,
    get_rule,
    list_rules,
    load_rules,
    matching_rules,
    page_size,
)
from loyalty.services.tiers import check_tier_ids
from loyalty.services.uow import AbstractUnitOfWork, UnitOfWorkError

# The reads live in rule_reads; callers find every rule operation here.
__all__ = [
    "DEFAULT_PAGE",
    "MAX_BULK",
    "MAX_PAGE",
    "RuleFilter",
    "RulePage",
    "active_rules",
    "bulk_create",
    "count_rules",
    "create_rule",
    "decode_cursor",
    "delete_rule",
    "encode_cursor",
    "get_rule",
    "list_rules",
    "load_rules",
    "matching_rules",
    "page_size",
    "update_rule",
]


# --- writes ------------------------------------------------------------------------------------


async def _check_unique_title(conn: AsyncConnection, rule: EarningRule) -> None:
    clash = await conn.scalar(
        select(earning_rules.c.id).where(
            earning_rules.c.trigger_app_id == rule.trigger_app_id,
            earning_rules.c.trigger_activity_type == rule.trigger_activity_type,
            earning_rules.c.title_key == rule.title.lower(),
            earning_rules.c.id != rule.id,
        )
    )
    if clash is not None:
        raise _duplicate(rule, clash)


def _duplicate(rule: EarningRule, other: str | None) -> Conflict:
    which = f" ({other})" if other else ""
    return Conflict(
        f"an earning rule titled {rule.title!r} already exists for {rule.trigger_app_id} "
        f"{rule.trigger_activity_type}{which}; change the title or update that rule",
        field="title",
    )


def _config_rows(rule: EarningRule) -> list[dict[str, Any]]:
    if rule.fixed_amount is not None:
        return [
            {"rule_id": rule.id, "tier_id": c.tier_id, "points": c.points, "money_amount": None}
            for c in rule.fixed_amount
        ]
    return [
        {
            "rule_id": rule.id,
            "tier_id": c.tier_id,
            "points": c.points,
            "money_amount": c.money_amount,
        }
        for c in rule.conversion_rate or ()
    ]


def _rule_values(rule: EarningRule) -> dict[str, Any]:
    return {
        "revision": rule.revision,
        "title": rule.title,
        "title_key": rule.title.lower(),
        "source_app_id": rule.source_app_id,
        "trigger_app_id": rule.trigger_app_id,
        "trigger_activity_type": rule.trigger_activity_type,
        "status": rule.status.value,
        "method": rule.method.value,
        "updated_date": rule.updated_date,
        "hold_days": rule.hold_days,
    }


def _integrity(exc: IntegrityError, rule: EarningRule) -> DomainError:
    text = str(exc.orig).lower()
    if "uq_earning_rules_title" in text or "earning_rules.trigger_app_id" in text:
        return _duplicate(rule, None)
    if "foreign key" in text:
        return UnknownTier("a tier in the configs no longer exists", field="tierId")
    raise exc


async def create_rule(
    uow: AbstractUnitOfWork, data: RuleInput, *, now: datetime | None = None
) -> EarningRule:
    async with uow:
        conn = uow.conn
        rule = new_rule(data, rule_id=str(uuid.uuid4()), now=now or uow.clock.now())
        await check_tier_ids(conn, rule.tier_ids, field="tierId")
        await _check_unique_title(conn, rule)
        try:
            await conn.execute(
                earning_rules.insert().values(
                    id=rule.id,
                    pre_installed=False,
                    deleted=False,
                    created_date=rule.created_date,
                    **_rule_values(rule),
                )
            )
            await conn.execute(earning_rule_configs.insert(), _config_rows(rule))
        except IntegrityError as exc:
            raise _integrity(exc, rule) from None
        await audit.changed(uow, "rule", rule.id, "create", None, rule)
        return rule


async def bulk_create(
    uow: AbstractUnitOfWork, items: Sequence[RuleInput]
) -> list[EarningRule | DomainError]:
    """Each item in its own transaction of `uow`: one bad item fails alone, with its error
    (so `uow` must not be open already: joined, the items could not fail alone)."""
    if uow.is_open:
        raise UnitOfWorkError("bulk_create runs one transaction per item: pass a closed uow")
    if not 1 <= len(items) <= MAX_BULK:
        raise InvalidInput(f"send 1 to {MAX_BULK} rules per bulk create", field="rules")
    results: list[EarningRule | DomainError] = []
    for item in items:
        try:
            results.append(await create_rule(uow, item))
        except DomainError as exc:
            results.append(exc)
    return results


async def update_rule(
    uow: AbstractUnitOfWork,
    rule_id: str,
    *,
    revision: int,
    changes: RuleChanges,
    now: datetime | None = None,
) -> EarningRule:
    async with uow:
        conn = uow.conn
        current = await get_rule(conn, rule_id)
        rule = updated_rule(current, changes, revision=revision, now=now or uow.clock.now())
        await check_tier_ids(conn, rule.tier_ids, field="tierId")
        await _check_unique_title(conn, rule)
        try:
            result = await conn.execute(
                earning_rules.update()
                .where(earning_rules.c.id == rule_id, earning_rules.c.revision == revision, _live)
                .values(**_rule_values(rule))
            )
            if result.rowcount != 1:
                raise _lost_race(rule_id)
            if changes.fixed_amount is not None or changes.conversion_rate is not None:
                await conn.execute(
                    earning_rule_configs.delete().where(earning_rule_configs.c.rule_id == rule_id)
                )
                await conn.execute(earning_rule_configs.insert(), _config_rows(rule))
        except IntegrityError as exc:
            raise _integrity(exc, rule) from None
        await audit.changed(uow, "rule", rule_id, "update", current, rule)
        return rule


def _lost_race(rule_id: str) -> RevisionMismatch:
    return RevisionMismatch(
        f"earning rule {rule_id} changed while this update ran: read it again and retry",
        field="revision",
    )


async def delete_rule(
    uow: AbstractUnitOfWork, rule_id: str, *, revision: int, now: datetime | None = None
) -> EarningRule:
    """Marks the rule deleted (awards keep pointing at it); returns it as it was."""
    async with uow:
        current = await get_rule(uow.conn, rule_id)
        check_deletable(current, revision)
        result = await uow.conn.execute(
            earning_rules.update()
            .where(earning_rules.c.id == rule_id, earning_rules.c.revision == revision, _live)
            .values(
                deleted=True,
                title_key=None,
                revision=revision + 1,
                updated_date=now or uow.clock.now(),
            )
        )
        if result.rowcount != 1:
            raise _lost_race(rule_id)
        await audit.changed(uow, "rule", rule_id, "delete", current, None)
        return current

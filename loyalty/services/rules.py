"""Earning rules in the database: create, bulk create, read, list (keyset pages), update, delete.

The domain validates; this module stores. Readers take a connection; writers take a unit of
work (loyalty.services.uow) and run in its transaction, except `bulk_create`, which runs each
item in a transaction of its own.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.children import children_by_parent
from loyalty.db.rules import earning_rule_configs, earning_rules
from loyalty.db.times import utc as _utc
from loyalty.domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    RevisionMismatch,
    UnknownTier,
)
from loyalty.domain.rules import (
    ConversionRateConfig,
    EarningRule,
    FixedAmountConfig,
    PointMethod,
    RuleChanges,
    RuleInput,
    RuleStatus,
    check_deletable,
    is_plain_id,
    new_rule,
    updated_rule,
)
from loyalty.services import audit
from loyalty.services.tiers import check_tier_ids
from loyalty.services.uow import AbstractUnitOfWork, UnitOfWorkError

DEFAULT_PAGE = 50
MAX_PAGE = 100
MAX_BULK = 100


def _from_rows(row: Row[Any], configs: Sequence[Row[Any]]) -> EarningRule:
    fixed: tuple[FixedAmountConfig, ...] | None = None
    conversion: tuple[ConversionRateConfig, ...] | None = None
    if row.method == PointMethod.FIXED_AMOUNT:
        fixed = tuple(FixedAmountConfig(c.tier_id, int(c.points)) for c in configs)
    else:
        conversion = tuple(
            ConversionRateConfig(c.tier_id, c.money_amount, int(c.points)) for c in configs
        )
    return EarningRule(
        id=row.id,
        revision=int(row.revision),
        title=row.title,
        source_app_id=row.source_app_id,
        trigger_app_id=row.trigger_app_id,
        trigger_activity_type=row.trigger_activity_type,
        status=RuleStatus(row.status),
        fixed_amount=fixed,
        conversion_rate=conversion,
        can_be_deleted=not row.pre_installed,
        created_date=_utc(row.created_date),
        updated_date=_utc(row.updated_date),
    )


async def _with_configs(conn: AsyncConnection, rows: Sequence[Row[Any]]) -> list[EarningRule]:
    configs = await children_by_parent(
        conn, earning_rule_configs, earning_rule_configs.c.rule_id, (r.id for r in rows)
    )
    return [_from_rows(r, configs[r.id]) for r in rows]


_live = earning_rules.c.deleted.is_(False)


async def load_rules(conn: AsyncConnection, ids: Iterable[str]) -> dict[str, EarningRule]:
    """Live rules by id, in two queries whatever the number of ids (the DataLoader's batch).
    Ids that cannot be rule ids are simply not found."""
    wanted = [i for i in dict.fromkeys(ids) if is_plain_id(i)]
    if not wanted:
        return {}
    rows = (
        await conn.execute(select(earning_rules).where(earning_rules.c.id.in_(wanted), _live))
    ).all()
    return {rule.id: rule for rule in await _with_configs(conn, rows)}


async def get_rule(conn: AsyncConnection, rule_id: str) -> EarningRule:
    rule = (await load_rules(conn, [rule_id])).get(rule_id)
    if rule is None:
        raise NotFound(f"no earning rule with id {rule_id!r}", field="id")
    return rule


async def matching_rules(
    conn: AsyncConnection, *, trigger_app_id: str, activity_type: str
) -> list[EarningRule]:
    """ACTIVE rules for (triggerAppId, activityType), oldest first."""
    rows = (
        await conn.execute(
            select(earning_rules)
            .where(
                earning_rules.c.trigger_app_id == trigger_app_id,
                earning_rules.c.trigger_activity_type == activity_type,
                earning_rules.c.status == RuleStatus.ACTIVE.value,
                _live,
            )
            .order_by(earning_rules.c.seq)
        )
    ).all()
    return await _with_configs(conn, rows)


async def active_rules(conn: AsyncConnection) -> list[EarningRule]:
    """Every ACTIVE rule, oldest first (what loyalty.services.earning_config caches)."""
    rows = (
        await conn.execute(
            select(earning_rules)
            .where(earning_rules.c.status == RuleStatus.ACTIVE.value, _live)
            .order_by(earning_rules.c.seq)
        )
    ).all()
    return await _with_configs(conn, rows)


# --- pages -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleFilter:
    trigger_app_id: str | None = None
    trigger_activity_type: str | None = None
    status: RuleStatus | None = None


@dataclass(frozen=True)
class RulePage:
    rules: list[tuple[str, EarningRule]]  # (cursor, rule)
    has_next_page: bool

    @property
    def end_cursor(self) -> str | None:
        return self.rules[-1][0] if self.rules else None


_CURSOR_PREFIX = "rule:"


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith(_CURSOR_PREFIX) or len(cursor) > 64:
            raise ValueError(raw)
        seq = int(raw.removeprefix(_CURSOR_PREFIX))
        if seq < 0:
            raise ValueError(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(
            "`after` is not a cursor from this list: pass an endCursor you were given",
            field="after",
        ) from None
    return seq


def page_size(first: int | None) -> int:
    """Ours: a page size out of 1..100 is refused (VALIDATION), never silently capped."""
    if first is None:
        return DEFAULT_PAGE
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(f"`first` must be from 1 to {MAX_PAGE}, not {first}", field="first")
    return first


async def list_rules(
    conn: AsyncConnection,
    *,
    where: RuleFilter = RuleFilter(),
    first: int | None = None,
    after: str | None = None,
) -> RulePage:
    size = page_size(first)
    for name, value in (
        ("filter.triggerAppId", where.trigger_app_id),
        ("filter.triggerActivityType", where.trigger_activity_type),
    ):
        if value is not None and not is_plain_id(value, 80):
            raise InvalidInput(f"{name} must be 1 to 80 printable characters", field=name)
    conditions: list[ColumnElement[bool]] = [_live]
    if after is not None:
        conditions.append(earning_rules.c.seq > decode_cursor(after))
    if where.trigger_app_id is not None:
        conditions.append(earning_rules.c.trigger_app_id == where.trigger_app_id)
    if where.trigger_activity_type is not None:
        conditions.append(earning_rules.c.trigger_activity_type == where.trigger_activity_type)
    if where.status is not None:
        conditions.append(earning_rules.c.status == RuleStatus(where.status).value)
    rows = (
        await conn.execute(
            select(earning_rules)
            .where(and_(*conditions))
            .order_by(earning_rules.c.seq)
            .limit(size + 1)  # one more tells whether there is a next page
        )
    ).all()
    page = rows[:size]
    rules = await _with_configs(conn, page)
    return RulePage(
        rules=[(encode_cursor(int(r.seq)), rule) for r, rule in zip(page, rules, strict=True)],
        has_next_page=len(rows) > size,
    )


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


async def count_rules(conn: AsyncConnection) -> int:
    return int(await conn.scalar(select(func.count()).select_from(earning_rules).where(_live)) or 0)

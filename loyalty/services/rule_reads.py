"""Earning rules read from the database: by id, the active and the matching ones, and the list
in keyset pages (its cursors). Readers take a connection; the writes are in
loyalty.services.rules, which re-exports these names."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.children import children_by_parent
from loyalty.db.rules import earning_rule_configs, earning_rules
from loyalty.db.times import utc as _utc
from loyalty.domain.errors import (
    InvalidInput,
    NotFound,
)
from loyalty.domain.rules import (
    ConversionRateConfig,
    EarningRule,
    FixedAmountConfig,
    PointMethod,
    RuleStatus,
    is_plain_id,
)
from loyalty.services.cursors import decode_seq_cursor, encode_seq_cursor

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
        hold_days=None if row.hold_days is None else int(row.hold_days),
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
    return encode_seq_cursor(_CURSOR_PREFIX, seq)


def decode_cursor(cursor: str) -> int:
    return decode_seq_cursor(_CURSOR_PREFIX, cursor)


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


async def count_rules(conn: AsyncConnection) -> int:
    return int(await conn.scalar(select(func.count()).select_from(earning_rules).where(_live)) or 0)

"""Taking an award from its rule's or campaign's limits on the earning path (issue 14), in as
few statements as the guarantees allow: what the member used of every capped owner an activity
may touch in one read, and each budget in one statement unless it is about to run out.

Never passed under concurrency, on both databases:
- The member limit is read from the ledger (EARN entries less their reversals, so refunds give
  it back by themselves) after the activity has locked the member row, so no other award of
  that member runs in between. One read serves every owner of the activity: each owner is
  awarded at most once per activity, and an award only moves its own owner's usage.
- A budget is taken with one guarded upsert of its rows (the period's and the total):
  `used + n` only where that stays within the cap. PostgreSQL's ON CONFLICT DO UPDATE locks the
  row and judges the guard on its latest committed version (a concurrent award waits for our
  commit, then sees our `used`); on SQLite the transaction already holds the database's write
  lock. Every row passing means nothing was cut. Otherwise the rows that passed are put back and
  the award goes the careful way: rows locked `FOR UPDATE` (in one order: owner, then period
  key), read, cut to what is left (with the reason), updated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, case, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.campaigns import budget_usage
from loyalty.db.ledger import insert_or_skip, ledger_entries
from loyalty.db.locks import sqlite_write_lock
from loyalty.db.statements import once
from loyalty.domain.ledger import EntryType
from loyalty.domain.limits import (
    Budget,
    CapState,
    Cut,
    Limits,
    budget_caps,
    cut_award,
    member_cap,
)
from loyalty.services.limits import TOTAL_KEY, Owner, OwnerKind, budget_keys, member_used

_KEY_COLUMNS = ["owner_kind", "owner_id", "period_key"]


def _owner_column(kind: OwnerKind) -> Any:
    return ledger_entries.c.rule_id if kind is OwnerKind.RULE else ledger_entries.c.campaign_id


def _members_used_statement(kinds: tuple[OwnerKind, ...]) -> Any:
    """SELECT one sum per owner (owner i: `o{i}` since `s{i}`) of the member's EARN entries,
    each net of its reversals."""
    reversal = ledger_entries.alias("reversal")
    reversed_points = (
        select(func.coalesce(func.sum(reversal.c.points), 0))
        .where(reversal.c.reverses_entry_id == ledger_entries.c.id)
        .scalar_subquery()
    )
    at = ledger_entries.c.created_at
    picks = [
        and_(
            _owner_column(kind) == bindparam(f"o{i}", type_=ledger_entries.c.rule_id.type),
            at >= bindparam(f"s{i}", type_=at.type),
        )
        for i, kind in enumerate(kinds)
    ]
    earns = (
        select(
            ledger_entries.c.rule_id,
            ledger_entries.c.campaign_id,
            at,
            (ledger_entries.c.points + reversed_points).label("net"),
        )
        .where(
            ledger_entries.c.member_pk == bindparam("member_pk"),
            ledger_entries.c.type == EntryType.EARN.value,
            or_(*picks),
        )
        .subquery()
    )
    sums = []
    for i, kind in enumerate(kinds):
        column = earns.c.rule_id if kind is OwnerKind.RULE else earns.c.campaign_id
        mine = and_(
            column == bindparam(f"o{i}", type_=ledger_entries.c.rule_id.type),
            earns.c.created_at >= bindparam(f"s{i}", type_=at.type),
        )
        sums.append(func.coalesce(func.sum(case((mine, earns.c.net), else_=0)), 0))
    return select(*sums)


async def members_used(
    conn: AsyncConnection, member_pk: int, since: Mapping[Owner, datetime]
) -> dict[Owner, int]:
    """What the member earned from each owner since its own start, less what refunds took back
    of it, in one statement (the caller holds the member's lock)."""
    owners = sorted(since)
    if not owners:
        return {}
    kinds = tuple(kind for kind, _ in owners)
    statement = once(("members_used", kinds), lambda: _members_used_statement(kinds))
    params: dict[str, Any] = {"member_pk": member_pk}
    for i, owner in enumerate(owners):
        params[f"o{i}"], params[f"s{i}"] = owner[1], since[owner]
    row = (await conn.execute(statement, params)).one()
    return {owner: int(row[i] or 0) for i, owner in enumerate(owners)}


def member_starts(
    limits: Mapping[Owner, Limits], owners: Iterable[Owner], *, now: datetime, zone: ZoneInfo
) -> dict[Owner, datetime]:
    """Where each capped owner's member period starts at `now` (owners without a member
    limit left out): what `members_used` is asked for."""
    starts = {}
    for owner in owners:
        found = limits.get(owner)
        if found is not None and found.per_member is not None:
            starts[owner] = found.per_member.period.bounds(now, zone)[0]
    return starts


def _guarded_upsert(rows: int) -> Any:
    """INSERT the owner's budget rows (`k{i}` each, `n` points) or add `n` where the row stays
    within its cap (`cap_total` for the total, `cap_period` for the period's), RETURNING the
    keys that took it. Written out: the same text on both databases, and SQLAlchemy does not
    cache the compiled form of a multi-row upsert (it would compile it on every award)."""
    values = ", ".join(f"(:kind, :owner, :k{i}, :n)" for i in range(rows))
    return text(
        f"INSERT INTO budget_usage (owner_kind, owner_id, period_key, used) VALUES {values} "
        "ON CONFLICT (owner_kind, owner_id, period_key) DO UPDATE "
        "SET used = budget_usage.used + excluded.used "
        "WHERE budget_usage.used + excluded.used <= CASE budget_usage.period_key "
        f"WHEN '{TOTAL_KEY}' THEN :cap_total ELSE :cap_period END "
        "RETURNING period_key"
    )


def _where(owner: Owner, keys: Sequence[str]) -> Any:
    return and_(
        budget_usage.c.owner_kind == owner[0].value,
        budget_usage.c.owner_id == owner[1],
        budget_usage.c.period_key.in_(keys),
    )


async def _take_whole(
    conn: AsyncConnection, owner: Owner, budget: Budget, keys: list[str], points: int
) -> bool:
    """Takes all `points` of every budget row in one statement, or (False) nothing at all."""
    caps = {"cap_total": budget.total or 0, "cap_period": budget.per_period or 0}
    if points > min(caps[("cap_total" if k == TOTAL_KEY else "cap_period")] for k in keys):
        return False  # a fresh row would start above its cap
    rows = len(keys)
    statement = once(("budget_take", rows), lambda: _guarded_upsert(rows))
    params = {"kind": owner[0].value, "owner": owner[1], "n": points, **caps}
    params.update({f"k{i}": key for i, key in enumerate(keys)})
    took = [r.period_key for r in await conn.execute(statement, params)]
    if len(took) == len(keys):
        return True
    if took:  # some rows took it, another is about to run out: put theirs back
        await conn.execute(
            budget_usage.update()
            .where(_where(owner, took))
            .values(used=budget_usage.c.used - points)
        )
    return False


async def _locked_usage(conn: AsyncConnection, owner: Owner, keys: list[str]) -> dict[str, int]:
    dialect = conn.dialect.name
    for key in keys:
        await conn.execute(
            insert_or_skip(dialect, budget_usage, _KEY_COLUMNS),
            {"owner_kind": owner[0].value, "owner_id": owner[1], "period_key": key, "used": 0},
        )
    where = _where(owner, keys)
    await sqlite_write_lock(conn, budget_usage, where, "used")
    rows = await conn.execute(
        select(budget_usage.c.period_key, budget_usage.c.used)
        .where(where)
        .order_by(budget_usage.c.period_key)
        .with_for_update()
    )
    return {r.period_key: int(r.used) for r in rows}


async def take(
    conn: AsyncConnection,
    owner: Owner,
    limits: Limits,
    *,
    member_pk: int,
    requested: int,
    now: datetime,
    zone: ZoneInfo,
    used: int | None = None,
) -> Cut:
    """Takes `requested` points of `owner`'s limits for a member (cut to what is left); the
    budget rows are updated by what was granted. The caller must hold the member's lock.
    `used`: what the member used of the member limit already (from `members_used`)."""
    caps: list[CapState] = []
    if limits.per_member is not None:
        if used is None:
            since, _ = limits.per_member.period.bounds(now, zone)
            used = await member_used(conn, owner, member_pk, since=since)
        caps.append(member_cap(limits.per_member, used))
    member_cut = cut_award(requested, caps)
    budget = limits.budget
    if budget is None or member_cut.points == 0:
        return member_cut  # the member cap is listed first, so it wins a tie with a budget
    keys = budget_keys(budget, now, zone)
    if await _take_whole(conn, owner, budget, keys, member_cut.points):
        return member_cut  # every budget row had room: only the member cap may have cut
    usage = await _locked_usage(conn, owner, keys)
    period_key = next((k for k in keys if k != TOTAL_KEY), None)
    caps.extend(
        budget_caps(
            budget,
            used_in_period=usage.get(period_key, 0) if period_key else 0,
            used_in_total=usage.get(TOTAL_KEY, 0),
        )
    )
    cut = cut_award(requested, caps)
    if cut.points:
        await conn.execute(
            budget_usage.update()
            .where(_where(owner, keys))
            .values(used=budget_usage.c.used + cut.points)
        )
    return cut

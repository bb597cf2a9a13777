"""Taking an award from its rule's or campaign's limits on the earning path (issue 14), in as
few statements as the guarantees allow: what the member used of every capped owner an activity
may touch in one read, and the budgets of all the rules (then of all the campaigns) of an
activity in one statement unless one is about to run out.

Never passed under concurrency, on both databases:
- The member limit is read from the ledger (EARN entries less their reversals, so refunds give
  it back by themselves) after the activity has locked the member row, so no other award of
  that member runs in between. One read serves every owner of the activity: each owner is
  awarded at most once per activity, and an award only moves its own owner's usage.
- Budgets are taken with one guarded upsert of their rows (each one's period row and total):
  `used + n` only where that stays within the cap. PostgreSQL's ON CONFLICT DO UPDATE locks
  every row it names, in the order given (sorted: the same in every transaction), and judges
  the guard on the latest committed version (a concurrent award waits for our commit, then sees
  our `used`); on SQLite the transaction already holds the database's write lock. All of an
  owner's rows passing means its budget cut nothing. Otherwise the rows that passed are put back
  and the award goes the careful way on rows already locked: read `FOR UPDATE`, cut to what is
  left (with the reason), updated.
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
    """INSERT budget rows (row i: `kind{i}`, `owner{i}`, `key{i}`, `n{i}` points) or add `n{i}`
    where the row stays within its cap `cap{i}`, RETURNING the rows that took it. Written out:
    the same text on both databases, and SQLAlchemy does not cache the compiled form of a
    multi-row upsert (it would compile it again on every activity)."""
    values = ", ".join(f"(:kind{i}, :owner{i}, :key{i}, :n{i})" for i in range(rows))
    caps = " ".join(
        f"WHEN budget_usage.owner_kind = :kind{i} AND budget_usage.owner_id = :owner{i} "
        f"AND budget_usage.period_key = :key{i} THEN :cap{i}"
        for i in range(rows)
    )
    return text(
        f"INSERT INTO budget_usage (owner_kind, owner_id, period_key, used) VALUES {values} "
        "ON CONFLICT (owner_kind, owner_id, period_key) DO UPDATE "
        "SET used = budget_usage.used + excluded.used "
        f"WHERE budget_usage.used + excluded.used <= CASE {caps} END "
        "RETURNING owner_kind, owner_id, period_key"
    )


def _where(owner: Owner, keys: Sequence[str]) -> Any:
    return and_(
        budget_usage.c.owner_kind == owner[0].value,
        budget_usage.c.owner_id == owner[1],
        budget_usage.c.period_key.in_(keys),
    )


def _cap(budget: Budget, key: str) -> int:
    cap = budget.total if key == TOTAL_KEY else budget.per_period
    assert cap is not None  # budget_keys names only the rows the budget has
    return cap


_Row = tuple[str, str, str]  # owner kind, owner id, period key


async def _take_rows(conn: AsyncConnection, rows: list[tuple[_Row, int, int]]) -> set[_Row]:
    """Adds each row's points where the row stays within its cap, in one statement, in the
    rows' order (the same in every transaction, so concurrent awards never deadlock); which
    rows took them."""
    if not rows:
        return set()
    rows = sorted(rows)
    statement = once(("budget_take", len(rows)), lambda: _guarded_upsert(len(rows)))
    params: dict[str, Any] = {}
    for i, ((kind, owner, key), points, cap) in enumerate(rows):
        params.update(
            {f"kind{i}": kind, f"owner{i}": owner, f"key{i}": key, f"n{i}": points, f"cap{i}": cap}
        )
    result = await conn.execute(statement, params)
    return {(r.owner_kind, r.owner_id, r.period_key) for r in result}


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


async def _take_locked(
    conn: AsyncConnection,
    owner: Owner,
    budget: Budget,
    caps: list[CapState],
    requested: int,
    keys: list[str],
) -> Cut:
    """The careful way, for a budget about to run out: its rows locked, read, the award cut to
    what is left of every cap (with the reason), the rows updated by what was granted."""
    usage = await _locked_usage(conn, owner, keys)
    period_key = next((k for k in keys if k != TOTAL_KEY), None)
    caps = caps + budget_caps(
        budget,
        used_in_period=usage.get(period_key, 0) if period_key else 0,
        used_in_total=usage.get(TOTAL_KEY, 0),
    )
    cut = cut_award(requested, caps)
    if cut.points:
        await conn.execute(
            budget_usage.update()
            .where(_where(owner, keys))
            .values(used=budget_usage.c.used + cut.points)
        )
    return cut


async def take(
    conn: AsyncConnection,
    wanted: Sequence[tuple[Owner, Limits, int]],
    *,
    member_pk: int,
    now: datetime,
    zone: ZoneInfo,
    used: Mapping[Owner, int] | None = None,
) -> list[Cut]:
    """Takes each (owner, its limits, requested points) for a member, cut to what is left; the
    budget rows are updated by what was granted. Each owner once (a list naming one twice is
    taken one item at a time). The caller must hold the member's lock. `used`: what the member
    used of each owner's member limit already (from `members_used`)."""
    if len({owner for owner, _, _ in wanted}) < len(wanted):
        return [
            (await take(conn, [item], member_pk=member_pk, now=now, zone=zone, used=used))[0]
            for item in wanted
        ]
    member_caps: list[list[CapState]] = []
    for owner, limits, _ in wanted:
        caps = []
        if limits.per_member is not None:
            done = None if used is None else used.get(owner)
            if done is None:
                since, _ = limits.per_member.period.bounds(now, zone)
                done = await member_used(conn, owner, member_pk, since=since)
            caps.append(member_cap(limits.per_member, done))
        member_caps.append(caps)
    # The member cap is listed first, so a budget with exactly as much left does not change a
    # member's cut: where every budget row has room for it, the member's cut is the answer.
    cuts = [cut_award(item[2], caps) for item, caps in zip(wanted, member_caps, strict=True)]
    keys: list[list[str]] = []
    tried: list[bool] = []
    rows: list[tuple[_Row, int, int]] = []
    for (owner, limits, _), cut in zip(wanted, cuts, strict=True):
        budget = limits.budget
        mine = [] if budget is None or cut.points == 0 else budget_keys(budget, now, zone)
        keys.append(mine)
        # A fresh row cannot start above its cap: such an award is not tried, but its rows are
        # created or locked all the same (0 points), with the others and in their order.
        fits = budget is not None and all(cut.points <= _cap(budget, k) for k in mine)
        tried.append(fits)
        if budget is not None:
            points = cut.points if fits else 0
            rows += [((owner[0].value, owner[1], k), points, _cap(budget, k)) for k in mine]
    took = await _take_rows(conn, rows)
    for i, ((owner, limits, requested), cut, mine) in enumerate(
        zip(wanted, cuts, keys, strict=True)
    ):
        if not mine:
            continue
        taken = [k for k in mine if (owner[0].value, owner[1], k) in took] if tried[i] else []
        if len(taken) == len(mine):
            continue
        assert limits.budget is not None
        if taken:  # another row of this budget is about to run out: put these back
            await conn.execute(
                budget_usage.update()
                .where(_where(owner, taken))
                .values(used=budget_usage.c.used - cut.points)
            )
        cuts[i] = await _take_locked(conn, owner, limits.budget, member_caps[i], requested, mine)
    return cuts

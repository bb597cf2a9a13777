"""Campaigns in the database: create, read, list (keyset pages), update, delete (issue 14).

The domain (loyalty.domain.campaigns) validates; this module stores. Readers take a connection;
writers take a unit of work and run in its transaction. A change to the campaigns table changes
`config_version` (trigger of migration campaigns_0001), so the earning path's cached copy of the
live campaigns is never stale.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.campaigns import campaigns
from loyalty.db.times import utc as _utc
from loyalty.domain.campaigns import (
    Campaign,
    CampaignChanges,
    CampaignInput,
    CampaignStatus,
    Combination,
    Conditions,
    DailyHours,
    Effect,
    EffectKind,
    Window,
    check_revision,
    new_campaign,
    parse_clock,
    updated_campaign,
)
from loyalty.domain.errors import Conflict, NotFound, RevisionMismatch
from loyalty.domain.rules import is_plain_id
from loyalty.services import audit
from loyalty.services.cursors import decode_seq_cursor, encode_seq_cursor
from loyalty.services.rules import page_size
from loyalty.services.tiers import check_tier_ids
from loyalty.services.uow import AbstractUnitOfWork

_live = campaigns.c.deleted.is_(False)


def _list(text: str) -> frozenset[str]:
    return frozenset(json.loads(text or "[]"))


def _from_row(row: Row[Any]) -> Campaign:
    hours = None
    if row.hours_start is not None and row.hours_end is not None:
        hours = DailyHours(
            parse_clock("hours", row.hours_start), parse_clock("hours", row.hours_end)
        )
    days = None
    if row.days_of_week:
        days = frozenset(int(d) for d in row.days_of_week.split(","))
    kind = EffectKind(row.effect)
    effect = Effect(
        kind,
        multiplier=row.multiplier,
        bonus_points=None if row.bonus_points is None else int(row.bonus_points),
        money_amount=row.rate_money_amount,
        points=None if row.rate_points is None else int(row.rate_points),
    )
    return Campaign(
        id=row.id,
        revision=int(row.revision),
        title=row.title,
        description=row.description,
        status=CampaignStatus(row.status),
        window=Window(_utc(row.starts_at), _utc(row.ends_at), days, hours),
        conditions=Conditions(
            activity_types=_list(row.activity_types),
            trigger_app_ids=_list(row.trigger_app_ids),
            tier_ids=_list(row.tier_ids),
            minimum_amount=row.minimum_amount,
        ),
        effect=effect,
        combination=Combination(row.combination),
        priority=int(row.priority),
        created_date=_utc(row.created_date),
        updated_date=_utc(row.updated_date),
    )


def _values(c: Campaign) -> dict[str, Any]:
    w, cond, e = c.window, c.conditions, c.effect
    return {
        "revision": c.revision,
        "title": c.title,
        "title_key": c.title.lower(),
        "description": c.description,
        "status": c.status.value,
        "starts_at": w.starts_at,
        "ends_at": w.ends_at,
        "days_of_week": None
        if w.days_of_week is None
        else ",".join(str(d) for d in sorted(w.days_of_week)),
        "hours_start": None if w.hours is None else f"{w.hours.start:%H:%M}",
        "hours_end": None if w.hours is None else f"{w.hours.end:%H:%M}",
        "activity_types": json.dumps(sorted(cond.activity_types)),
        "trigger_app_ids": json.dumps(sorted(cond.trigger_app_ids)),
        "tier_ids": json.dumps(sorted(cond.tier_ids)),
        "minimum_amount": cond.minimum_amount,
        "effect": e.kind.value,
        "multiplier": e.multiplier,
        "bonus_points": e.bonus_points,
        "rate_money_amount": e.money_amount,
        "rate_points": e.points,
        "combination": c.combination.value,
        "priority": c.priority,
        "updated_date": c.updated_date,
    }


# --- reads -------------------------------------------------------------------------------------


async def load_campaigns(conn: AsyncConnection, ids: Iterable[str]) -> dict[str, Campaign]:
    """Live campaigns by id (one query); ids that cannot be campaign ids are not found."""
    wanted = [i for i in dict.fromkeys(ids) if is_plain_id(i)]
    if not wanted:
        return {}
    rows = (await conn.execute(select(campaigns).where(campaigns.c.id.in_(wanted), _live))).all()
    return {row.id: _from_row(row) for row in rows}


async def get_campaign(conn: AsyncConnection, campaign_id: str) -> Campaign:
    found = (await load_campaigns(conn, [campaign_id])).get(campaign_id)
    if found is None:
        raise NotFound(f"no campaign with id {campaign_id[:36]!r}", field="id")
    return found


async def campaigns_with_status(
    conn: AsyncConnection, statuses: Iterable[CampaignStatus]
) -> list[Campaign]:
    """Live campaigns in these statuses, oldest first (previewEarning explains PAUSED ones)."""
    rows = (
        await conn.execute(
            select(campaigns)
            .where(campaigns.c.status.in_(sorted(s.value for s in statuses)), _live)
            .order_by(campaigns.c.seq)
        )
    ).all()
    return [_from_row(r) for r in rows]


@dataclass(frozen=True)
class CampaignFilter:
    status: CampaignStatus | None = None


@dataclass(frozen=True)
class CampaignPage:
    campaigns: list[tuple[str, Campaign]]  # (cursor, campaign)
    has_next_page: bool

    @property
    def end_cursor(self) -> str | None:
        return self.campaigns[-1][0] if self.campaigns else None


_CURSOR_PREFIX = "campaign:"


def encode_cursor(seq: int) -> str:
    return encode_seq_cursor(_CURSOR_PREFIX, seq)


def decode_cursor(cursor: str) -> int:
    return decode_seq_cursor(_CURSOR_PREFIX, cursor)


async def list_campaigns(
    conn: AsyncConnection,
    *,
    where: CampaignFilter = CampaignFilter(),
    first: int | None = None,
    after: str | None = None,
) -> CampaignPage:
    """Campaigns, oldest first."""
    size = page_size(first)
    conditions: list[ColumnElement[bool]] = [_live]
    if after is not None:
        conditions.append(campaigns.c.seq > decode_cursor(after))
    if where.status is not None:
        conditions.append(campaigns.c.status == CampaignStatus(where.status).value)
    rows = (
        await conn.execute(
            select(campaigns).where(and_(*conditions)).order_by(campaigns.c.seq).limit(size + 1)
        )
    ).all()
    page = rows[:size]
    return CampaignPage(
        campaigns=[(encode_cursor(int(r.seq)), _from_row(r)) for r in page],
        has_next_page=len(rows) > size,
    )


# --- writes ------------------------------------------------------------------------------------


def _duplicate(c: Campaign) -> Conflict:
    return Conflict(
        f"a campaign titled {c.title!r} already exists; change the title or update that campaign",
        field="title",
    )


async def _check_unique_title(conn: AsyncConnection, c: Campaign) -> None:
    clash = await conn.scalar(
        select(campaigns.c.id).where(
            campaigns.c.title_key == c.title.lower(), campaigns.c.id != c.id
        )
    )
    if clash is not None:
        raise _duplicate(c)


def _integrity(exc: IntegrityError, c: Campaign) -> Conflict:
    text = str(exc.orig).lower()
    if "uq_campaigns_title" in text or "campaigns.title_key" in text:
        return _duplicate(c)
    raise exc


async def create_campaign(
    uow: AbstractUnitOfWork, data: CampaignInput, *, now: datetime | None = None
) -> Campaign:
    async with uow:
        conn = uow.conn
        c = new_campaign(data, campaign_id=str(uuid.uuid4()), now=now or uow.clock.now())
        await check_tier_ids(conn, c.conditions.tier_ids, field="conditions.tierIds")
        await _check_unique_title(conn, c)
        try:
            await conn.execute(
                campaigns.insert().values(
                    id=c.id, deleted=False, created_date=c.created_date, **_values(c)
                )
            )
        except IntegrityError as exc:
            raise _integrity(exc, c) from None
        await audit.changed(uow, "campaign", c.id, "create", None, c)
        return c


def _lost_race(campaign_id: str) -> RevisionMismatch:
    return RevisionMismatch(
        f"campaign {campaign_id} changed while this update ran: read it again and retry",
        field="revision",
    )


async def update_campaign(
    uow: AbstractUnitOfWork,
    campaign_id: str,
    *,
    revision: int,
    changes: CampaignChanges,
    now: datetime | None = None,
) -> Campaign:
    async with uow:
        conn = uow.conn
        current = await get_campaign(conn, campaign_id)
        c = updated_campaign(current, changes, revision=revision, now=now or uow.clock.now())
        await check_tier_ids(conn, c.conditions.tier_ids, field="conditions.tierIds")
        await _check_unique_title(conn, c)
        try:
            result = await conn.execute(
                campaigns.update()
                .where(campaigns.c.id == campaign_id, campaigns.c.revision == revision, _live)
                .values(**_values(c))
            )
        except IntegrityError as exc:
            raise _integrity(exc, c) from None
        if result.rowcount != 1:
            raise _lost_race(campaign_id)
        await audit.changed(uow, "campaign", campaign_id, "update", current, c)
        return c


async def delete_campaign(
    uow: AbstractUnitOfWork, campaign_id: str, *, revision: int, now: datetime | None = None
) -> Campaign:
    """Marks the campaign deleted (ledger entries keep pointing at it); returns it as it was."""
    async with uow:
        current = await get_campaign(uow.conn, campaign_id)
        check_revision(current, revision)
        result = await uow.conn.execute(
            campaigns.update()
            .where(campaigns.c.id == campaign_id, campaigns.c.revision == revision, _live)
            .values(
                deleted=True,
                title_key=None,
                revision=revision + 1,
                updated_date=now or uow.clock.now(),
            )
        )
        if result.rowcount != 1:
            raise _lost_race(campaign_id)
        await audit.changed(uow, "campaign", campaign_id, "delete", current, None)
        return current


def tier_ids_of(items: Sequence[Campaign]) -> frozenset[str]:
    return frozenset(t for c in items for t in c.conditions.tier_ids)

"""What the earning path reads for every activity (the program settings, the tiers, the ACTIVE
earning rules, the ACTIVE campaigns and their limits), cached per process and checked against
`config_version` on every use.

A trigger gives `config_version` a fresh random value whenever any of those tables changes
(migration program_cfgver_0001), so a cached copy is used only while the database still holds
exactly the configuration it was read from: a rule change is seen by the very next activity in
every process, never by time-to-live. The check is one scalar subquery, which the activity path
folds into the statement that claims the event, so a cache hit costs no round trip at all.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Engine,
    Integer,
    ScalarSelect,
    Table,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.tables import metadata
from loyalty.domain.campaigns import Campaign, CampaignStatus, time_zone
from loyalty.domain.limits import Limits
from loyalty.domain.referrals import Settings as ReferralSettings
from loyalty.domain.rules import EarningRule
from loyalty.domain.tiers import Tier
from loyalty.services.campaigns import campaigns_with_status
from loyalty.services.limits import Owner, all_limits
from loyalty.services.program import Program, get_program
from loyalty.services.referral_program import get_settings as referral_settings
from loyalty.services.rules import active_rules
from loyalty.services.tiers import list_tiers

config_version = Table(
    "config_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False),
    CheckConstraint("id = 1", name="ck_config_version_single"),
)


def version_subquery() -> ScalarSelect[int]:
    return select(config_version.c.version).where(config_version.c.id == 1).scalar_subquery()


@dataclass(frozen=True)
class EarningConfig:
    version: int
    program: Program
    tiers: tuple[Tier, ...]  # by required points, as list_tiers orders them
    rules: Mapping[tuple[str, str], tuple[EarningRule, ...]]  # (trigger app, activity type)
    campaigns: tuple[Campaign, ...] = ()  # the ACTIVE ones (windows are checked per activity)
    # ACTIVE and PAUSED, oldest first: what previewEarning explains (a PAUSED one says why not).
    previewed: tuple[Campaign, ...] = ()
    limits: Mapping[Owner, Limits] = field(default_factory=dict)  # rules' and campaigns'
    referrals: ReferralSettings = field(default_factory=ReferralSettings)  # the referral program

    @property
    def zone(self) -> ZoneInfo:
        """The program's time zone, where campaigns' days and hours are read."""
        return time_zone(self.program.time_zone)

    def matching(self, *, trigger_app_id: str, activity_type: str) -> list[EarningRule]:
        """Same answer as loyalty.services.rules.matching_rules, without a query."""
        return list(self.rules.get((trigger_app_id, activity_type), ()))


# Keyed by engine (one database per engine), so tests with many databases never mix them.
_cache: weakref.WeakKeyDictionary[Engine, EarningConfig] = weakref.WeakKeyDictionary()
_locks: weakref.WeakKeyDictionary[
    Engine, weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]
] = weakref.WeakKeyDictionary()


async def earning_config(conn: AsyncConnection, *, version: int | None = None) -> EarningConfig:
    """The configuration as of `version` (read here when not given) or newer."""
    if version is None:
        version = int(
            await conn.scalar(select(config_version.c.version).where(config_version.c.id == 1)) or 0
        )
    key = conn.sync_engine
    cached = _cache.get(key)
    if cached is not None and cached.version == version:
        return cached
    # One load at a time per process: a burst of requests that all miss (the first ones, or
    # those right after a change) would otherwise each read every rule while holding a pooled
    # connection (40 concurrent previews over 10,000 rules ran the pool dry for 30 s).
    async with _load_lock(key):
        cached = _cache.get(key)
        if cached is not None and cached.version == version:
            return cached
        return await _load(conn, key, version)


def cached_config(database: object, version: int) -> EarningConfig | None:
    """The cached configuration if it is the one of `version`, without a statement.

    `database` is the cache's key, the sync engine of the caller's async engine; it is only
    looked up, never connected to (use cases get their connection from a unit of work)."""
    cached = _cache.get(database)  # type: ignore[call-overload]
    return cached if cached is not None and cached.version == version else None


def _load_lock(engine: Engine) -> asyncio.Lock:
    per_loop = _locks.setdefault(engine, weakref.WeakKeyDictionary())
    loop = asyncio.get_running_loop()  # an asyncio.Lock serves one event loop
    lock = per_loop.get(loop)
    if lock is None:
        lock = per_loop[loop] = asyncio.Lock()
    return lock


async def _load(conn: AsyncConnection, key: Engine, version: int) -> EarningConfig:
    # The version was read before the data, so the data are at least that new: caching them
    # under it can only cause one extra reload later, never a stale hit.
    program = await get_program(conn)
    tiers = tuple(await list_tiers(conn))
    by_trigger: dict[tuple[str, str], list[EarningRule]] = {}
    for rule in await active_rules(conn):
        by_trigger.setdefault((rule.trigger_app_id, rule.trigger_activity_type), []).append(rule)
    previewed = tuple(
        await campaigns_with_status(conn, (CampaignStatus.ACTIVE, CampaignStatus.PAUSED))
    )
    config = EarningConfig(
        version=version,
        program=program,
        tiers=tiers,
        rules={k: tuple(v) for k, v in by_trigger.items()},
        campaigns=tuple(c for c in previewed if c.status is CampaignStatus.ACTIVE),
        previewed=previewed,
        limits=await all_limits(conn),
        referrals=await referral_settings(conn),
    )
    _cache[key] = config
    return config

"""`python -m bench.campaigns [--activities 300] [--quick] [--postgres]`: what campaigns and
limits cost the earning pipe. The same activities (purchases of 40 members, one per order) are
recorded through the same use case (`record_activity`: claim, member lock, rules, ledger
entries, mint requests, tier, notifications) into two fresh databases of the same kind: one
with the earning rules alone (the baseline), one with the same rules, 20 ACTIVE campaigns
(STACK, BEST and EXCLUSIVE, multipliers, bonuses and rates, windows open and closed, conditions
met and not) and a per-member daily limit and a budget on every rule. The two runs alternate in
chunks of 10 activities, taking turns at going first, so that both see the same machine, and
each database is warmed up first. Statements sent per activity and the CPU time are printed
beside the wall times (on SQLite this process's, which is all of the work; on PostgreSQL this
process's plus its backends', read from /proc when the server runs on this machine), since on
a shared, loaded machine the wall time mostly measures waiting for a core; the target is
judged on wall time.

Target (issue 14): campaigns and caps cost at most 1.5x the rules alone. SQLite by default (the
embedded default: each run in its own temporary file); `--postgres` uses two throw-away
databases beside LOYALTY_TEST_PG_URL's."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path

import psycopg
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.figures import Figure, record
from cli.migrate import upgrade
from loyalty.custody import custody_for
from loyalty.db.engine import make_async_engine
from loyalty.db.ledger import ledger_entries
from loyalty.domain.campaigns import (
    CampaignInput,
    CampaignStatus,
    Combination,
    Conditions,
    DailyHours,
    Effect,
    EffectKind,
    Window,
)
from loyalty.domain.limits import Budget, Limits, MemberLimit, Period, PeriodUnit
from loyalty.domain.points import Money
from loyalty.domain.rules import ConversionRateConfig, FixedAmountConfig, RuleInput
from loyalty.services.activities import record_activity
from loyalty.services.activity_model import ActivityInput
from loyalty.services.bootstrap import unit_of_work_factory
from loyalty.services.campaigns import create_campaign
from loyalty.services.limits import OwnerKind, set_limits
from loyalty.services.rules import create_rule, matching_rules
from loyalty.settings import DEV_CUSTODY_MNEMONIC

PG_ADMIN_URL = os.environ.get("LOYALTY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
CUSTODY = custody_for(DEV_CUSTODY_MNEMONIC)
CHUNK = 10
MEMBERS = 40
CAMPAIGNS = 20
STARTED = datetime(2026, 1, 1, tzinfo=UTC)


def campaign(i: int) -> CampaignInput:
    """Twenty campaigns of every kind; most apply to a purchase, some are outside their window
    or condition (checked, and explained, all the same)."""
    kinds = [
        Effect(EffectKind.MULTIPLIER, multiplier=Decimal("1.5")),
        Effect(EffectKind.BONUS_POINTS, bonus_points=5),
        Effect(EffectKind.CONVERSION_RATE, money_amount=Decimal("10"), points=1),
    ]
    combination = [Combination.STACK, Combination.STACK, Combination.BEST, Combination.EXCLUSIVE][
        i % 4
    ]
    window = Window(STARTED)
    if i % 5 == 1:
        window = Window(STARTED, hours=DailyHours(clock_time(18), clock_time(2)))
    elif i % 5 == 2:
        window = Window(STARTED, days_of_week=frozenset({6, 7}))
    elif i % 5 == 3:
        window = Window(STARTED, ends_at=STARTED + timedelta(days=1))  # over: closed
    conditions = Conditions(
        activity_types=frozenset({"stores/OrderPaid"}),
        minimum_amount=Decimal("20") if i % 3 == 0 else None,
    )
    return CampaignInput(
        title=f"Campaign {i:02d}",
        window=window,
        effect=kinds[i % 3],
        conditions=conditions,
        status=CampaignStatus.ACTIVE,
        combination=combination,
        priority=i,
    )


def rules() -> list[RuleInput]:
    return [
        RuleInput(
            title="Purchase",
            trigger_app_id="stores",
            trigger_activity_type="stores/OrderPaid",
            conversion_rate=(ConversionRateConfig(None, Decimal("1"), 2),),
        ),
        RuleInput(
            title="Purchase bonus",
            trigger_app_id="stores",
            trigger_activity_type="stores/OrderPaid",
            fixed_amount=(FixedAmountConfig(None, 10),),
        ),
    ]


async def setup(url: str, *, with_campaigns: bool) -> None:
    engine = make_async_engine(url)
    uow = unit_of_work_factory(engine)
    try:
        ids = [(await create_rule(uow(), r)).id for r in rules()]
        if with_campaigns:
            for rule_id in ids:  # caps on every rule, loose enough not to cut these purchases
                limits = Limits(
                    MemberLimit(1_000_000, Period(PeriodUnit.DAY)),
                    Budget(
                        total=1_000_000_000, per_period=100_000_000, period=Period(PeriodUnit.MONTH)
                    ),
                )
                await set_limits(uow(), (OwnerKind.RULE, rule_id), limits)
            for i in range(CAMPAIGNS):
                await create_campaign(uow(), campaign(i), now=STARTED)
    finally:
        await engine.dispose()


def activities(n: int, prefix: str) -> list[ActivityInput]:
    at = datetime(2026, 11, 28, 19, tzinfo=UTC)  # a Saturday evening: most windows open
    return [
        ActivityInput(
            idempotency_key=f"{prefix}-{i}",
            member_id=f"member-{i % MEMBERS}",
            activity_type="stores/OrderPaid",
            trigger_app_id="stores",
            order_id=f"{prefix}-order-{i}",
            amount=Money(Decimal(10 + (i * 7) % 90), "USD"),
            occurred_at=at + timedelta(seconds=i),
        )
        for i in range(n)
    ]


async def apply(engine: AsyncEngine, batch: list[ActivityInput]) -> tuple[float, float]:
    """Wall seconds and this process's CPU seconds to record `batch`."""
    uow = unit_of_work_factory(engine)
    t0, c0 = time.perf_counter(), time.process_time()
    for inp in batch:
        await record_activity(
            uow(), inp, source="bench", custody=CUSTODY, currency="USD", rules=matching_rules
        )
    return time.perf_counter() - t0, time.process_time() - c0


def count_statements(engine: AsyncEngine) -> list[int]:
    """A counter of the statements `engine` sends from now on (what each run costs in round
    trips, printed beside the times)."""
    seen = [0]

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(*_: object) -> None:
        seen[0] += 1

    return seen


@dataclass
class Measured:
    base_s: float = 0.0  # wall seconds, rules alone
    full_s: float = 0.0  # wall seconds, campaigns and caps
    base_cpu: float = 0.0  # this process's CPU seconds (SQLite: all of the work)
    full_cpu: float = 0.0
    base_server: float = 0.0  # PostgreSQL: its backends' CPU seconds for this database
    full_server: float = 0.0
    extras: int = 0
    base_statements: float = 0.0  # per activity
    full_statements: float = 0.0


def server_cpu(url: str) -> float:
    """PostgreSQL on this machine: the CPU seconds so far of the backends connected to `url`'s
    database (the engine's pooled connections live through the run); 0 for SQLite."""
    if not url.startswith("postgresql"):
        return 0.0
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        pids = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (url.rpartition("/")[2],)
        ).fetchall()
    total = 0
    for (pid,) in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone, or PostgreSQL on another machine
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


async def measure(base_url: str, with_url: str, n: int) -> Measured:
    base = make_async_engine(base_url)
    full = make_async_engine(with_url)
    got = Measured()
    try:
        warm = 20
        await apply(base, activities(warm, "warm"))
        await apply(full, activities(warm, "warm"))
        base_count, full_count = count_statements(base), count_statements(full)
        server0 = server_cpu(base_url), server_cpu(with_url)
        work = activities(n, "run")
        for k, start in enumerate(range(0, n, CHUNK)):
            chunk = work[start : start + CHUNK]
            # Short chunks, taking turns at going first: a burst of load on the shared machine
            # falls on both runs alike.
            for which in ("base", "full") if k % 2 == 0 else ("full", "base"):
                wall, cpu = await apply(base if which == "base" else full, chunk)
                if which == "base":
                    got.base_s, got.base_cpu = got.base_s + wall, got.base_cpu + cpu
                else:
                    got.full_s, got.full_cpu = got.full_s + wall, got.full_cpu + cpu
        got.base_statements, got.full_statements = base_count[0] / n, full_count[0] / n
        got.base_server = server_cpu(base_url) - server0[0]
        got.full_server = server_cpu(with_url) - server0[1]
        async with full.connect() as conn:
            extras = await conn.scalar(
                select(func.count()).where(ledger_entries.c.campaign_id.is_not(None))
            )
        got.extras = int(extras or 0)
    finally:
        await base.dispose()
        await full.dispose()
    return got


def sqlite_urls(folder: Path) -> tuple[str, str]:
    return f"sqlite:///{folder / 'rules.db'}", f"sqlite:///{folder / 'campaigns.db'}"


def run(n: int, *, postgres: bool) -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        created: list[str] = []
        if postgres:
            stem, _, _ = PG_ADMIN_URL.rpartition("/")
            names = [f"loyalty_bench_campaigns_{uuid.uuid4().hex[:8]}_{k}" for k in "ab"]
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                for name in names:
                    admin.execute(f'CREATE DATABASE "{name}"')
            created = names
            base_url, with_url = (f"{stem}/{name}" for name in names)
        else:
            base_url, with_url = sqlite_urls(Path(folder))
        try:
            for url in (base_url, with_url):
                upgrade(url)
            asyncio.run(setup(base_url, with_campaigns=False))
            asyncio.run(setup(with_url, with_campaigns=True))
            got = asyncio.run(measure(base_url, with_url, n))
        finally:
            if created:
                with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                    for name in created:
                        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    kind = "PostgreSQL" if postgres else "SQLite"
    name = f"campaigns {kind} {n:,} activities"
    base_ms, full_ms = got.base_s / n * 1000, got.full_s / n * 1000
    # CPU: on SQLite all of the work is this process's; on PostgreSQL this process's and the
    # server backends' together.
    base_cpu, full_cpu = got.base_cpu + got.base_server, got.full_cpu + got.full_server
    cpu = "CPU (this process)" if not postgres else "CPU (client + server)"
    print(
        f"{name}: rules alone {base_ms:.2f} ms per activity, {got.base_statements:.1f} "
        f"statements, {base_cpu / n * 1000:.2f} ms {cpu} (baseline, same run, same data)"
    )
    print(
        f"  + {CAMPAIGNS} active campaigns and caps on every rule {full_ms:.2f} ms per activity, "
        f"{got.full_statements:.1f} statements ({got.full_s / got.base_s:.2f}x; "
        f"{full_cpu / n * 1000:.2f} ms {cpu}, {full_cpu / base_cpu:.2f}x; "
        f"{got.extras:,} campaign extras posted), target <= 1.5x"
    )
    return [
        record(Figure(name, "rules alone", base_ms, "ms/activity")),
        record(
            Figure(
                name,
                "20 campaigns + caps",
                full_ms,
                "ms/activity",
                "<= 1.5x",
                "rules alone",
                base_ms,
            )
        ),
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.campaigns")
    parser.add_argument("--activities", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="100 activities")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args(argv)
    n = 100 if args.quick else args.activities
    figures = run(n, postgres=args.postgres)
    met = figures[-1].met()
    return 0 if met in (None, True) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""`loyalty serve --demo`: a small demo program, loaded through the services the API uses.

Three tiers (Bronze from 0 points, Silver, Gold), four earning rules (store purchases with a
conversion rate per tier, product reviews, sign-up, event RSVPs), three rewards, 25 members and
four weeks of activities up to today: sign-ups, purchases of varied amounts, reviews, a full and
a partial refund, a goodwill adjustment, redemptions (one cancelled). The minter and indexer then
put the points on chain as for any other activity, so every dashboard screen has data.

Tiers here: a member below every tier is in the base tier (tierId null), and a rule's config
with tierId null is the base rate. The demo makes Bronze a tier that needs 0 points, so every
member shows in a named tier; Bronze has no config of its own and earns at the base rate.

Loaded only into an empty program (no members, tiers, rewards or custom rules): a second start
with `--demo` finds the program non-empty and adds nothing. Every write also carries a stable
idempotency key (`demo:…`). The load is not one transaction (each service call commits its
own); a load interrupted midway leaves a partial demo that is not completed later.

Backdating: the ledger stamps each entry with the time it is recorded (analytics groups by that
day), not with the activity's `occurredAt`, which only picks the member's tier. Every use case
reads the time from its unit of work's clock: the demo's units of work share a FixedClock that it
moves to each activity's time before recording it.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.custody import custody_for
from loyalty.db.ledger import members
from loyalty.db.program import rewards as rewards_table
from loyalty.db.rules import earning_rules, tiers
from loyalty.domain.clock import FixedClock
from loyalty.domain.points import Money
from loyalty.domain.rewards import RewardConfig, RewardInput, RewardType
from loyalty.domain.rules import ConversionRateConfig, FixedAmountConfig, RuleInput
from loyalty.domain.tiers import TierInput
from loyalty.services.activities import record_activity
from loyalty.services.activity_model import ActivityInput
from loyalty.services.adjustments import AdjustInput, adjust_points
from loyalty.services.bootstrap import unit_of_work_factory
from loyalty.services.members import get_member
from loyalty.services.redemptions import cancel_redemption, redeem_reward
from loyalty.services.refunds import RefundInput, record_refund
from loyalty.services.rewards import create_reward
from loyalty.services.rules import create_rule, matching_rules
from loyalty.services.tiers import create_tier

DAYS = 28
SEED = 8  # the demo is the same every time (amounts, days, members)
MEMBER_NAMES = (
    "ada", "ben", "chloe", "dev", "elena", "finn", "grace", "hugo", "iris", "jonas",
    "kemi", "liam", "maya", "noah", "olga", "priya", "quinn", "rosa", "sam", "tariq",
    "uma", "victor", "wen", "xavier", "yara",
)  # fmt: skip
STORES = "stores"
PURCHASE = "stores/OrderPaid"


# The services whose clock the demo sets while it records backdated activities.
@dataclass
class DemoReport:
    loaded: bool
    reason: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        if not self.loaded:
            return f"demo: nothing loaded ({self.reason})"
        c = self.counts
        return (
            f"demo program loaded: {c['tiers']} tiers, {c['rules']} earning rules, "
            f"{c['rewards']} rewards, {c['members']} members; {c['activities']} activities "
            f"over the last {DAYS} days ({c['points']} points awarded), {c['refunds']} "
            f"refunds, {c['redemptions']} redemptions ({c['cancelled']} cancelled), "
            f"{c['adjustments']} adjustment; the minter puts them on chain now"
        )


def load_demo(runtime: Any, *, today: date | None = None) -> DemoReport:
    """Loads the demo program unless the program has data already (then nothing changes)."""
    from loyalty.db.engine import make_async_engine

    async def run() -> DemoReport:
        # An engine of its own: the runtime's async engine belongs to the API's event loop.
        engine = make_async_engine(runtime.settings.database_url)
        try:
            return await load_demo_into(
                engine,
                custody_mnemonic=runtime.settings.custody_mnemonic_or_dev(),
                currency=runtime.settings.currency,
                today=today or datetime.now(UTC).date(),
            )
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def program_contents(engine: AsyncEngine) -> dict[str, int]:
    """What the program holds that the demo would add to (pre-installed rules don't count)."""
    async with engine.connect() as conn:
        custom_rules = await conn.scalar(
            select(func.count())
            .select_from(earning_rules)
            .where(earning_rules.c.pre_installed.is_(False), earning_rules.c.deleted.is_(False))
        )
        return {
            "members": int(await conn.scalar(select(func.count()).select_from(members)) or 0),
            "tiers": int(await conn.scalar(select(func.count()).select_from(tiers)) or 0),
            "rewards": int(await conn.scalar(select(func.count()).select_from(rewards_table)) or 0),
            "rules": int(custom_rules or 0),
        }


@dataclass(order=True)
class _Event:
    at: datetime
    seq: int
    kind: str = field(compare=False)
    member: str = field(compare=False)
    order: str = field(default="", compare=False)
    amount: Decimal = field(default=Decimal(0), compare=False)


def _plan(start: datetime, rng: random.Random) -> list[_Event]:
    """Sign-ups, purchases, reviews, RSVPs and refunds, in the order they happen."""
    events: list[_Event] = []
    last = start + timedelta(days=DAYS) - timedelta(minutes=1)
    seq = 0

    def add(at: datetime, kind: str, member: str, **kw: Any) -> None:
        nonlocal seq
        if at <= last:
            seq += 1
            events.append(_Event(at, seq, kind, member, **kw))

    def moment(day: int) -> datetime:
        return start + timedelta(days=day, hours=rng.randint(8, 21), minutes=rng.randint(0, 59))

    orders = 0
    for i, name in enumerate(MEMBER_NAMES):
        member = f"demo-{name}"
        joined = rng.randint(0, 14)
        add(moment(joined), "signup", member)
        # Some members shop often (they reach Silver and Gold), most now and then.
        shops = rng.choice((1, 2, 2, 3, 3, 4, 6, 8)) if i % 6 else 9
        for _ in range(shops):
            orders += 1
            when = moment(rng.randint(joined, DAYS - 1))
            cents = rng.choice((1250, 1999, 2450, 3900, 4875, 6500, 8999, 12000, 15950, 24000))
            order = f"demo-order-{orders:03d}"
            add(when, "purchase", member, order=order, amount=Decimal(cents) / 100)
            if rng.random() < 0.4:
                add(
                    when + timedelta(days=rng.randint(1, 3)),
                    "review",
                    member,
                    order=f"review:{order}",
                )
        if rng.random() < 0.3:
            add(
                moment(rng.randint(joined, DAYS - 1)),
                "rsvp",
                member,
                order=f"rsvp:demo-event-{i % 3}:{member}",
            )
    events.sort()
    # Two orders refunded a few days later: one in full, one in part.
    purchases = [e for e in events if e.kind == "purchase" and e.at < last - timedelta(days=5)]
    for n, e in enumerate(rng.sample(purchases, 2)):
        part = e.amount if n == 0 else (e.amount / 2).quantize(Decimal("0.01"))
        add(
            e.at + timedelta(days=rng.randint(1, 4)), "refund", e.member, order=e.order, amount=part
        )
    # Redemptions late in the period, by whoever can afford them then.
    for day in (DAYS - 9, DAYS - 5, DAYS - 2):
        add(moment(day), "redeem", "")
    add(moment(DAYS - 1), "cancel", "")
    add(moment(DAYS - 4), "adjust", "demo-kemi")
    events.sort()
    return events


async def load_demo_into(
    engine: AsyncEngine, *, custody_mnemonic: str, currency: str, today: date
) -> DemoReport:
    found = await program_contents(engine)
    if any(found.values()):
        held = ", ".join(f"{n} {k}" for k, n in found.items() if n)
        return DemoReport(
            False, f"the program is not empty ({held}); --demo fills only an empty program"
        )
    custody = custody_for(custody_mnemonic)
    start = datetime.combine(today - timedelta(days=DAYS - 1), time(), UTC)
    setup = start - timedelta(hours=2)
    counts = dict.fromkeys(
        (
            "tiers", "rules", "rewards", "members", "activities", "points",
            "refunds", "redemptions", "cancelled", "adjustments",
        ),
        0,
    )  # fmt: skip

    clock = FixedClock(setup)
    new_uow = unit_of_work_factory(engine, clock=clock)
    async with new_uow() as uow:  # the program's setup: one transaction
        tier_ids: dict[str, str] = {}
        for name, required, text in (
            ("Bronze", 0, "Every member; earns at the base rate"),
            ("Silver", 300, "300 points in the last 12 months"),
            ("Gold", 900, "900 points in the last 12 months"),
        ):
            tier_ids[name] = (await create_tier(uow, TierInput(name, required, text), now=setup)).id
            counts["tiers"] += 1
        silver, gold = tier_ids["Silver"], tier_ids["Gold"]
        rules = (
            RuleInput(
                "Shop and earn",
                STORES,
                PURCHASE,
                conversion_rate=(
                    ConversionRateConfig(None, Decimal(1), 1),
                    ConversionRateConfig(silver, Decimal(2), 3),
                    ConversionRateConfig(gold, Decimal(1), 2),
                ),
            ),
            RuleInput(
                "Write a review",
                "reviews",
                "reviews/ReviewPublished",
                fixed_amount=(FixedAmountConfig(None, 20), FixedAmountConfig(gold, 30)),
            ),
            RuleInput(
                "Join the club",
                "members",
                "auth/register",
                fixed_amount=(FixedAmountConfig(None, 50),),
            ),
            RuleInput(
                "RSVP to an event",
                "events",
                "events/Rsvp",
                fixed_amount=(FixedAmountConfig(None, 15),),
            ),
        )
        for rule in rules:
            await create_rule(uow, rule, now=setup)
            counts["rules"] += 1
        reward_ids = []
        for name, type_, configs in (
            ("$5 off", RewardType.DISCOUNT_AMOUNT, ((None, "5", 250), (gold, "5", 200))),
            ("Free shipping", RewardType.COUPON_REWARD, ((None, "4.95", 150),)),
            ("$20 off", RewardType.DISCOUNT_AMOUNT, ((None, "20", 900), (gold, "20", 750))),
        ):
            data = RewardInput(
                name, type_, tuple(RewardConfig(t, Decimal(a), c) for t, a, c in configs)
            )
            reward_ids.append((await create_reward(uow, data, now=setup)).id)
            counts["rewards"] += 1

    rng = random.Random(SEED)
    redeemed: list[str] = []
    members_seen: set[str] = set()
    for event in _plan(start, rng):
        clock.at = event.at
        key = f"demo:{event.kind}:{event.seq}"
        if event.kind in ("signup", "purchase", "review", "rsvp"):
            trigger, activity_type = {
                "signup": ("members", "auth/register"),
                "purchase": (STORES, PURCHASE),
                "review": ("reviews", "reviews/ReviewPublished"),
                "rsvp": ("events", "events/Rsvp"),
            }[event.kind]
            outcome = await record_activity(
                new_uow(),
                ActivityInput(
                    idempotency_key=key,
                    member_id=event.member,
                    activity_type=activity_type,
                    trigger_app_id=trigger,
                    order_id=event.order if event.kind == "purchase" else None,
                    amount=Money(event.amount, currency) if event.kind == "purchase" else None,
                    occurred_at=event.at,
                    dedupe_ref=None if event.kind == "purchase" else event.order or None,
                ),
                source="demo",
                custody=custody,
                currency=currency,
                rules=matching_rules,
            )
            members_seen.add(event.member)
            counts["activities"] += 1
            counts["points"] += sum(a.points for a in outcome.awards if a.entry_id)
        elif event.kind == "refund":
            await record_refund(
                new_uow(), RefundInput(key, event.order, amount=event.amount), source="demo"
            )
            counts["refunds"] += 1
        elif event.kind == "adjust":
            await adjust_points(
                new_uow(), AdjustInput(key, event.member, "goodwill: late delivery", amount=40)
            )
            counts["adjustments"] += 1
        elif event.kind == "redeem":
            reward_id = reward_ids[len(redeemed) % 2]
            member = await _richest(engine)
            redemption = await redeem_reward(new_uow(), member, reward_id, key)
            redeemed.append(redemption.id)
            counts["redemptions"] += 1
        elif event.kind == "cancel" and redeemed:
            await cancel_redemption(new_uow(), redeemed[0])
            counts["cancelled"] += 1
    counts["members"] = len(members_seen)
    return DemoReport(True, counts=counts)


async def _richest(engine: AsyncEngine) -> str:
    """The demo member with the highest balance (a redemption they can afford)."""
    async with engine.connect() as conn:
        best: tuple[int, str] | None = None
        for name in MEMBER_NAMES:
            member = await get_member(conn, f"demo-{name}")
            balance = member.totals.balance
            if best is None or balance > best[0]:
                best = (balance, member.member_id)
    assert best is not None
    return best[1]

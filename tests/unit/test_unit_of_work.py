"""The use cases' logic on the in-memory unit of work (tests/unit/fakes.py): what a posting
publishes and what its handlers do, in which order, and what commits or rolls back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from loyalty.domain.clock import FixedClock
from loyalty.domain.errors import RevisionMismatch
from loyalty.domain.events import EntryPosted, InboundAccepted, TierChanged
from loyalty.domain.ledger import EntryType, InsufficientPoints, Totals
from loyalty.domain.members import Member
from loyalty.domain.revisions import check_revision
from loyalty.domain.tiers import KnownTierState, MemberTier, Movement
from loyalty.services import handlers
from loyalty.services.adjustments import AdjustInput, adjustment_points
from loyalty.services.ledger import post_entry
from loyalty.services.uow import Handlers, UnitOfWorkError
from tests.unit.fakes import T0, FakeUnitOfWork


def member(balance: int = 0, *, pk: int = 7) -> Member:
    return Member(
        pk=pk,
        member_id=f"m{pk}",
        custodial_address="0x" + "ab" * 20,
        wallet_address=None,
        wallet_linked_at=None,
        totals=Totals(earned=balance),
        revision=1,
        last_activity_at=None,
        created_at=T0,
    )


class Program:
    """Stands in for the SQL the handlers run (tier recompute, notification inserts)."""

    def __init__(self, new_tier: str | None, previous_tier: str | None) -> None:
        self.new_tier, self.previous_tier = new_tier, previous_tier
        self.calls: list[tuple[Any, ...]] = []

    async def recompute_member(
        self,
        conn: Any,
        member_pk: int,
        *,
        now: datetime,
        known: KnownTierState | None = None,
        **_: Any,  # the program and balance the handler passes along
    ) -> MemberTier:
        self.calls.append(("recompute", member_pk, known))
        return MemberTier(member_pk, self.new_tier, 100, self.previous_tier, None)

    async def queue_entry(self, conn: Any, m: Member, entry: Any, **kw: Any) -> None:
        self.calls.append(("notify entry", entry.id, kw["tier_id"]))

    async def queue_tier_change(self, conn: Any, change: MemberTier, **kw: Any) -> None:
        self.calls.append(("notify tier", change.tier_id, kw["member_id"]))


@pytest.fixture
def program(monkeypatch: pytest.MonkeyPatch) -> Iterator[Program]:
    fake = Program(new_tier="gold", previous_tier="silver")
    monkeypatch.setattr(handlers.tiers, "recompute_member", fake.recompute_member)
    monkeypatch.setattr(handlers.notifications, "queue_entry", fake.queue_entry)
    monkeypatch.setattr(handlers.notifications, "queue_tier_change", fake.queue_tier_change)
    yield fake


async def test_a_posting_publishes_entry_posted_whose_handlers_recompute_then_notify(
    program: Program,
) -> None:
    uow = FakeUnitOfWork(handlers.registry())
    async with uow:
        after, entry = await post_entry(uow, member(), EntryType.EARN, 100, now=T0)
    assert entry is not None and after.totals.balance == 100
    # The tier first (the entry's notification carries the tier it left), then the change.
    assert program.calls == [
        ("recompute", 7, None),
        ("notify entry", entry.id, "gold"),
        ("notify tier", "gold", "m7"),
    ]
    assert [type(e) for e in uow.committed_events] == [EntryPosted, TierChanged]
    posted = uow.committed_events[0]
    assert isinstance(posted, EntryPosted) and posted.entry == entry and posted.at == T0
    assert uow.commits == 1
    assert uow.connection.tables_written() == ["ledger_entries", "chain_requests", "members"]


async def test_no_tier_change_no_tier_notification(program: Program) -> None:
    program.new_tier = program.previous_tier = "silver"
    uow = FakeUnitOfWork(handlers.registry())
    async with uow:
        await post_entry(uow, member(), EntryType.EARN, 5, now=T0)
    assert [c[0] for c in program.calls] == ["recompute", "notify entry"]
    assert [type(e) for e in uow.committed_events] == [EntryPosted]


async def test_an_entry_already_posted_under_its_business_key_publishes_nothing(
    program: Program,
) -> None:
    uow = FakeUnitOfWork(handlers.registry())
    async with uow:
        m, first = await post_entry(uow, member(), EntryType.EARN, 10, now=T0, business_key="k")
        again, second = await post_entry(uow, m, EntryType.EARN, 10, now=T0, business_key="k")
    assert first is not None and second is None and again == m
    assert [type(e) for e in uow.committed_events] == [EntryPosted, TierChanged]
    assert [c[0] for c in program.calls].count("recompute") == 1


async def test_an_adjustment_below_zero_is_refused_before_anything_is_written(
    program: Program,
) -> None:
    uow = FakeUnitOfWork(handlers.registry())
    with pytest.raises(InsufficientPoints):
        async with uow:
            await post_entry(uow, member(balance=30), EntryType.ADJUST, -50, now=T0)
    assert uow.connection.executed == [] and program.calls == []
    assert (uow.commits, uow.rollbacks, uow.committed_events) == (0, 1, [])


def test_adjusting_to_a_balance_posts_the_difference_and_never_goes_below_zero() -> None:
    totals = Totals(earned=80, redeemed=30)  # balance 50
    to = AdjustInput("k", "m1", "goodwill", balance=20)
    assert adjustment_points(to, totals) == -30
    assert adjustment_points(AdjustInput("k", "m1", "goodwill", amount=5), totals) == 5
    with pytest.raises(InsufficientPoints):
        adjustment_points(AdjustInput("k", "m1", "goodwill", balance=-1), totals)


async def test_the_tier_state_read_in_this_transaction_gets_each_entry(program: Program) -> None:
    uow = FakeUnitOfWork(handlers.registry())
    async with uow:
        known = KnownTierState([], "silver", (), 12)
        uow.cache.tier_states[7] = known
        await post_entry(uow, member(), EntryType.EARN, 40, now=T0)
    assert known.movements == [Movement("EARN", 40, T0)]
    assert program.calls[0] == ("recompute", 7, known)  # no re-read of the member's entries


async def test_events_published_by_a_handler_run_after_the_current_events_handlers() -> None:
    seen: list[str] = []

    async def first(event: object, uow: Any) -> None:
        seen.append("first")
        await uow.publish(InboundAccepted(1, "x"))  # queued: "second" still runs before it
        seen.append("first done")

    async def second(event: object, uow: Any) -> None:
        seen.append("second")

    async def nested(event: object, uow: Any) -> None:
        seen.append("nested")

    uow = FakeUnitOfWork(Handlers({TierChanged: [first, second], InboundAccepted: [nested]}))
    async with uow:
        await uow.publish(TierChanged(MemberTier(1, "a", 1, None, None), T0))
        seen.append("published")
    assert seen == ["first", "first done", "second", "nested", "published"]


async def test_post_commit_hooks_run_after_a_commit_and_never_after_a_rollback() -> None:
    woken: list[object] = []
    uow = FakeUnitOfWork(Handlers(after_commit={InboundAccepted: [woken.append]}))
    async with uow:
        await uow.publish(InboundAccepted(1, "wix"))
        uow.after_commit(lambda: woken.append("hook"))
        assert woken == []  # not before the commit
    assert woken == [InboundAccepted(1, "wix"), "hook"]
    with pytest.raises(RuntimeError):
        async with uow:
            await uow.publish(InboundAccepted(2, "wix"))
            uow.after_commit(lambda: woken.append("never"))
            raise RuntimeError("boom")
    assert woken == [InboundAccepted(1, "wix"), "hook"]
    assert (uow.commits, uow.rollbacks) == (1, 1)


async def test_a_nested_use_joins_the_outer_transaction() -> None:
    uow = FakeUnitOfWork()
    async with uow:
        async with uow:
            await uow.publish(InboundAccepted(1, "x"))
        assert uow.commits == 0 and uow.is_open  # the inner exit does not commit
    assert uow.commits == 1
    with pytest.raises(ValueError):
        async with uow, uow:
            raise ValueError("inner")
    assert (uow.commits, uow.rollbacks) == (1, 1)


async def test_the_connection_and_publish_need_an_open_unit_of_work() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(UnitOfWorkError):
        _ = uow.conn
    with pytest.raises(UnitOfWorkError):
        await uow.publish(InboundAccepted(1, "x"))


def test_one_revision_check_for_every_revisioned_object() -> None:
    check_revision("tier t1", 3, 3)
    with pytest.raises(RevisionMismatch, match="tier t1 is at revision 3, not 2: read it again"):
        check_revision("tier t1", 3, 2)
    with pytest.raises(RevisionMismatch, match="settings are at revision 1, not 9: read them"):
        check_revision("the program settings", 1, 9, plural=True)


def test_a_fixed_clock_stands_still_until_moved() -> None:
    clock = FixedClock(T0)
    assert clock.now() == clock.now() == T0
    clock.advance(timedelta(days=1))
    assert clock.now() == T0 + timedelta(days=1)
    with pytest.raises(ValueError):
        FixedClock(datetime(2026, 1, 1))  # naive: refused


def _written(uow: FakeUnitOfWork, table: str) -> list[Any]:
    return [params for name, params in uow.connection.executed if name == table]


async def test_a_redemption_burns_from_the_receiving_address_and_a_settling_earn_mints_nothing(
    program: Program,
) -> None:
    uow = FakeUnitOfWork(handlers.registry())
    linked = replace(member(balance=100), wallet_address="0x" + "cd" * 20)
    async with uow:
        await post_entry(uow, linked, EntryType.REDEEM, -40, now=T0, activity=False)
    [burn] = _written(uow, "chain_requests")
    assert (burn["kind"], burn["amount"], burn["address"]) == ("BURN", 40, "0x" + "cd" * 20)
    [totals] = _written(uow, "members")
    assert "last_activity_at" not in totals  # activity=False: not counted as activity

    indebted = replace(member(), totals=Totals(debt=30))
    uow = FakeUnitOfWork(handlers.registry())
    async with uow:
        after, entry = await post_entry(uow, indebted, EntryType.EARN, 30, now=T0)
    assert entry is not None and entry.delta == 0 and after.totals.debt == 0
    assert _written(uow, "chain_requests") == []  # the earn only settled the debt
    assert [type(e) for e in uow.committed_events][:1] == [EntryPosted]  # still a posting
    [totals] = _written(uow, "members")
    assert totals["last_activity_at"] == T0

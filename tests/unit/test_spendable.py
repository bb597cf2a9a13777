"""The spendable-balance rule (issue 20, item 1): a member whose points sit at their own wallet
on a transferable token can spend at most what that wallet covers on chain (its indexed balance
minus the burns from it in flight), so no burn is ever planned that the token would refuse.
Pure rule, and the posting path on the in-memory unit of work (tests/unit/fakes.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from loyalty.domain.ledger import EntryType, Holding, NotHeldOnChain, Totals, post, spendable
from loyalty.services import handlers
from loyalty.services import ledger as ledger_service
from loyalty.services.ledger import post_entry
from tests.unit.fakes import T0, FakeUnitOfWork
from tests.unit.test_unit_of_work import Program, member

WALLET = "0x" + "cd" * 20


@pytest.fixture
def program(monkeypatch: pytest.MonkeyPatch) -> Program:
    fake = Program(new_tier=None, previous_tier=None)
    monkeypatch.setattr(handlers.tiers, "recompute_member", fake.recompute_member)
    monkeypatch.setattr(handlers.notifications, "queue_entry", fake.queue_entry)
    monkeypatch.setattr(handlers.notifications, "queue_tier_change", fake.queue_tier_change)
    return fake


def linked(balance: int) -> Any:
    return replace(member(balance=balance), wallet_address=WALLET)


def held(monkeypatch: pytest.MonkeyPatch, indexed: int, burning: int = 0) -> list[Any]:
    """The wallet holds `indexed` on chain with `burning` in flight; records who was asked."""
    asked: list[Any] = []

    async def holding_of(conn: Any, m: Any) -> Holding | None:
        asked.append(m.member_id)
        return None if m.wallet_address is None else Holding(WALLET, indexed, burning)

    monkeypatch.setattr(ledger_service, "holding_of", holding_of)
    return asked


def _written(uow: FakeUnitOfWork, table: str) -> list[Any]:
    return [params for name, params in uow.connection.executed if name == table]


def test_the_spendable_balance_is_the_ledger_capped_by_what_the_wallet_covers() -> None:
    assert spendable(100, None) == 100  # custodial: the ledger is the whole truth
    assert spendable(100, Holding(WALLET, 60, 0)) == 60  # 40 moved away by the member
    assert spendable(100, Holding(WALLET, 100, 30)) == 70  # 30 already being burned
    assert spendable(100, Holding(WALLET, 20, 30)) == 0  # never negative
    assert spendable(50, Holding(WALLET, 80, 0)) == 50  # 30 sent in, not yet on the ledger


def test_the_pure_posting_refuses_a_redemption_beyond_the_wallet_and_caps_the_others() -> None:
    totals, wallet = Totals(earned=100), Holding(WALLET, 60, 0)
    with pytest.raises(NotHeldOnChain, match="holds 60 on chain") as err:
        post(totals, EntryType.REDEEM, -100, holding=wallet)
    assert err.value.code == "INSUFFICIENT_POINTS"
    with pytest.raises(NotHeldOnChain):
        post(totals, EntryType.ADJUST, -61, holding=wallet)
    assert post(totals, EntryType.REDEEM, -60, holding=wallet).delta == -60
    reverse = post(totals, EntryType.REVERSE, -100, holding=wallet)
    assert (reverse.delta, reverse.debt_change, reverse.totals.balance) == (-60, 40, 40)
    expire = post(totals, EntryType.EXPIRE, -100, holding=wallet)
    assert (expire.delta, expire.totals.balance) == (-60, 40)
    # Earning and refunds mint: the wallet is no limit to them.
    assert post(totals, EntryType.EARN, 10, holding=Holding(WALLET, 0, 0)).delta == 10


async def test_a_redemption_beyond_the_wallet_writes_nothing_and_within_it_burns_that(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    held(monkeypatch, indexed=100, burning=40)  # 100 on chain, a burn of 40 in flight
    uow = FakeUnitOfWork(handlers.registry())
    with pytest.raises(NotHeldOnChain, match="40 being burned, so 60 can be spent"):
        async with uow:
            await post_entry(uow, linked(100), EntryType.REDEEM, -61, now=T0)
    assert uow.connection.tables_written() == [] and uow.rollbacks == 1
    uow = FakeUnitOfWork(handlers.registry())
    async with uow:
        await post_entry(uow, linked(100), EntryType.REDEEM, -60, now=T0)
    [burn] = _written(uow, "chain_requests")
    assert (burn["kind"], burn["address"], burn["amount"]) == ("BURN", WALLET, 60)


async def test_expiry_and_reversal_never_plan_a_burn_the_wallet_cannot_cover(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    held(monkeypatch, indexed=60)
    for type_, debt in ((EntryType.EXPIRE, 0), (EntryType.REVERSE, 40)):
        uow = FakeUnitOfWork(handlers.registry())
        async with uow:
            after, entry = await post_entry(uow, linked(100), type_, -100, now=T0, activity=False)
        assert entry is not None and entry.delta == -60
        [burn] = _written(uow, "chain_requests")
        assert burn["amount"] == 60  # what the wallet holds, not the 100 asked
        assert (after.totals.balance, after.totals.debt) == (40, debt)


async def test_a_custodial_member_and_a_mint_never_ask_the_chain(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = held(monkeypatch, indexed=0)
    uow = FakeUnitOfWork(handlers.registry())
    async with uow:
        await post_entry(uow, member(balance=100), EntryType.REDEEM, -100, now=T0)
        await post_entry(uow, linked(0), EntryType.EARN, 10, now=T0)
    assert asked == []


def test_a_transfer_out_takes_what_the_ledger_has_and_a_transfer_in_adds() -> None:
    out = post(Totals(earned=100), EntryType.TRANSFER_OUT, -40)
    assert (out.delta, out.totals.balance, out.totals.adjusted) == (-40, 60, -40)
    # More left than the ledger had (a burn planned before was in flight): no debt, no error.
    beyond = post(Totals(earned=100, redeemed=100), EntryType.TRANSFER_OUT, -40)
    assert (beyond.points, beyond.delta, beyond.debt_change, beyond.totals.balance) == (
        -40,
        0,
        0,
        0,
    )
    into = post(Totals(debt=10), EntryType.TRANSFER_IN, 25)
    assert (into.delta, into.totals.balance, into.totals.debt) == (25, 25, 10)


async def test_a_transfer_entry_plans_no_mint_or_burn_and_asks_no_wallet(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = held(monkeypatch, indexed=0)
    uow = FakeUnitOfWork(handlers.registry())
    async with uow:
        await post_entry(uow, linked(100), EntryType.TRANSFER_OUT, -40, now=T0, activity=False)
        await post_entry(uow, linked(60), EntryType.TRANSFER_IN, 5, now=T0, activity=False)
    assert _written(uow, "chain_requests") == [] and asked == []
    assert [e["type"] for e in _written(uow, "ledger_entries")] == ["TRANSFER_OUT", "TRANSFER_IN"]

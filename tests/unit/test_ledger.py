"""Ledger arithmetic: balances never negative, debts netted against later earnings, proportional
reversals that never exceed the award."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.domain.errors import InvalidInput
from loyalty.domain.ledger import (
    EntryType,
    InsufficientPoints,
    Totals,
    adjustment_to_balance,
    check_adjustment,
    check_refund,
    points_to_reverse,
    post,
)


def test_earn_adds_to_earned_and_balance() -> None:
    p = post(Totals(), EntryType.EARN, 100)
    assert (p.delta, p.totals.earned, p.totals.balance) == (100, 100, 100)


def test_reverse_beyond_the_balance_takes_what_is_there_and_carries_a_debt() -> None:
    start = Totals(earned=100, redeemed=80)  # 20 left
    p = post(start, EntryType.REVERSE, -50)
    assert p.delta == -20
    assert p.debt_change == 30
    assert p.totals.balance == 0
    assert p.totals.debt == 30


def test_debt_is_netted_against_the_next_earning() -> None:
    owing = Totals(earned=100, redeemed=100, debt=30)
    p = post(owing, EntryType.EARN, 100)
    assert p.delta == 70  # only 70 new tokens are minted
    assert p.debt_change == -30
    assert p.totals.debt == 0
    assert p.totals.earned == 200
    assert p.totals.balance == 70


def test_small_earning_pays_part_of_a_debt() -> None:
    p = post(Totals(earned=10, reversed=10, debt=30), EntryType.EARN, 12)
    assert (p.delta, p.totals.debt, p.totals.balance) == (0, 18, 0)


def test_adjust_never_takes_the_balance_below_zero() -> None:
    with pytest.raises(InsufficientPoints):
        post(Totals(earned=10), EntryType.ADJUST, -11)
    p = post(Totals(earned=10), EntryType.ADJUST, -10)
    assert p.totals.balance == 0 and p.totals.adjusted == -10


def test_adjust_to_a_balance() -> None:
    totals = Totals(earned=40, redeemed=5)
    assert adjustment_to_balance(totals, 100) == 65
    assert adjustment_to_balance(totals, 0) == -35
    with pytest.raises(InsufficientPoints):
        adjustment_to_balance(totals, -1)


@pytest.mark.parametrize(
    ("amount", "balance"), [(None, None), (5, 5), (0, None), (10_000_000, None), (None, -1)]
)
def test_adjustment_needs_exactly_one_valid_value(amount: int | None, balance: int | None) -> None:
    with pytest.raises(InvalidInput):
        check_adjustment(amount, balance)


def test_redeem_needs_the_points_and_refund_gives_them_back() -> None:
    with pytest.raises(InsufficientPoints):
        post(Totals(earned=5), EntryType.REDEEM, -6)
    spent = post(Totals(earned=50), EntryType.REDEEM, -30).totals
    assert spent.redeemed == 30 and spent.balance == 20
    back = post(spent, EntryType.REFUND, 30).totals
    assert back.redeemed == 0 and back.balance == 50
    with pytest.raises(InvalidInput):
        post(back, EntryType.REFUND, 1)


def test_expire_takes_at_most_the_balance_and_leaves_no_debt() -> None:
    p = post(Totals(earned=7), EntryType.EXPIRE, -10)
    assert (p.delta, p.totals.expired, p.totals.debt, p.totals.balance) == (-7, 7, 0, 0)


@pytest.mark.parametrize(
    ("type_", "points"),
    [
        (EntryType.EARN, 0),
        (EntryType.EARN, -1),
        (EntryType.REVERSE, 5),
        (EntryType.REDEEM, 5),
        (EntryType.EXPIRE, 1),
        (EntryType.ADJUST, 0),
    ],
)
def test_wrong_sign_is_refused(type_: EntryType, points: int) -> None:
    with pytest.raises(InvalidInput):
        post(Totals(earned=100), type_, points)


def test_proportional_reversal_floors_and_full_refund_takes_the_rest() -> None:
    order = Decimal("100.00")
    first = points_to_reverse(99, order, Decimal("33.33"), 0)
    assert first == 32  # floor(99 * 0.3333) = 32
    second = points_to_reverse(99, order, Decimal("100.00"), first)
    assert first + second == 99


def test_refund_larger_than_what_is_left_is_refused() -> None:
    check_refund(Decimal("10"), Decimal("4"), Decimal("6"))
    with pytest.raises(InvalidInput):
        check_refund(Decimal("10"), Decimal("4"), Decimal("6.01"))
    with pytest.raises(InvalidInput):
        check_refund(Decimal("10"), Decimal("0"), Decimal("0"))


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000"), places=2)


@given(
    award=st.integers(min_value=1, max_value=9_999_999),
    order=amounts,
    cuts=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=8),
)
def test_partial_reversals_never_exceed_the_award_and_sum_to_it_when_fully_refunded(
    award: int, order: Decimal, cuts: list[int]
) -> None:
    weights = sum(cuts)
    refunded = Decimal(0)
    taken = 0
    for i, cut in enumerate(cuts):
        last = i == len(cuts) - 1
        part = order - refunded if last else (order * cut / weights).quantize(Decimal("0.01"))
        if part <= 0 or refunded + part > order:
            continue
        refunded += part
        step = points_to_reverse(award, order, refunded, taken)
        assert step >= 0
        taken += step
        assert taken <= award
    if refunded == order:
        assert taken == award


@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from([EntryType.EARN, EntryType.REVERSE, EntryType.EXPIRE]),
            st.integers(min_value=1, max_value=1000),
        ),
        max_size=30,
    )
)
def test_balance_identity_and_never_negative(ops: list[tuple[EntryType, int]]) -> None:
    totals = Totals()
    tokens = 0
    for type_, n in ops:
        p = post(totals, type_, n if type_ is EntryType.EARN else -n)
        tokens += p.delta
        totals = p.totals
        assert totals.balance >= 0
        assert totals.debt >= 0
        assert tokens == totals.balance  # the chain holds what the ledger says

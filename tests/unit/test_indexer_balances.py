"""The indexer's pure fold: transfers to balances, history and supply, and a reorg's undo."""

from __future__ import annotations

import pytest

from indexer.balances import fold, touched, undo, undone
from indexer.decode import ZERO_ADDRESS, Transfer
from indexer.errors import IndexerError, NodeInconsistent

A, B, C = "0x" + "aa" * 20, "0x" + "bb" * 20, "0x" + "cc" * 20


def t(block: int, index: int, frm: str, to: str, value: int) -> Transfer:
    tx_hash = f"0x{block * 100 + index:064x}"
    return Transfer(block, f"0x{block:064x}", tx_hash, index, frm, to, value)


def test_mints_transfers_and_burns_fold_into_balances_history_and_supply() -> None:
    transfers = [
        t(1, 0, ZERO_ADDRESS, A, 100),
        t(1, 1, A, B, 30),
        t(2, 0, B, C, 10),
        t(2, 1, A, ZERO_ADDRESS, 20),
        t(3, 0, C, A, 10),
    ]
    result = fold(transfers, {}, supply=5)
    assert result.balances == {A: 60, B: 20, C: 0}
    # The balance at the end of each block that changed it: block 1 holds A after both logs.
    assert result.history == {
        (A, 1): 70,
        (B, 1): 30,
        (B, 2): 20,
        (C, 2): 10,
        (A, 2): 50,
        (C, 3): 0,
        (A, 3): 60,
    }
    assert result.supply == 85
    assert result.supply_rows == {1: 105, 2: 85}
    assert result.last_change() == {A: 3, B: 2, C: 3}


def test_the_fold_starts_from_the_balances_given_and_updates_them() -> None:
    before = {A: 7, C: 1}
    result = fold([t(9, 0, A, B, 5)], before, supply=8)
    assert before == {A: 2, B: 5, C: 1}
    assert result.balances is before
    assert result.history == {(A, 9): 2, (B, 9): 5}
    assert (result.supply, result.supply_rows) == (8, {})


def test_spending_more_than_held_means_the_logs_are_incomplete() -> None:
    with pytest.raises(NodeInconsistent, match="incomplete"):
        fold([t(1, 0, ZERO_ADDRESS, A, 5), t(1, 1, A, B, 6)], {}, supply=0)


def test_touched_leaves_out_the_zero_address() -> None:
    assert touched([t(1, 0, ZERO_ADDRESS, A, 1), t(1, 1, B, ZERO_ADDRESS, 1)]) == {A, B}
    assert touched([]) == set()


def test_undo_reverses_the_fold() -> None:
    transfers = [t(1, 0, ZERO_ADDRESS, A, 100), t(2, 0, A, B, 30), t(2, 1, B, ZERO_ADDRESS, 5)]
    before = {A: 1, B: 2}
    result = fold(transfers, dict(before), supply=3)
    deltas, supply = undo(((x.from_address, x.to_address, x.value) for x in transfers), 98)
    assert result.supply == 98 and supply == 3
    assert undone(result.balances, deltas) == before


def test_an_undo_below_zero_means_the_index_is_corrupt() -> None:
    deltas, _ = undo([(ZERO_ADDRESS, A, 10)], 10)
    with pytest.raises(IndexerError, match="corrupt"):
        undone({A: 4}, deltas)

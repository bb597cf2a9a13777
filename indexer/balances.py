"""The pure fold of the index: transfers to balances, balance history and supply. No I/O: the
store reads the balances it needs, folds a range (or the undo of a reorg) here, and writes
what comes out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from indexer.decode import ZERO_ADDRESS, Transfer
from indexer.errors import IndexerError, NodeInconsistent


def touched(transfers: Iterable[Transfer]) -> set[str]:
    """The addresses whose balance the transfers change (the zero address holds none)."""
    found = {t.from_address for t in transfers} | {t.to_address for t in transfers}
    found.discard(ZERO_ADDRESS)
    return found


@dataclass
class Fold:
    """What a range's transfers make of the balances before it."""

    balances: dict[str, int]  # every touched address's balance after the range (and the rest)
    history: dict[tuple[str, int], int]  # (address, block) -> balance at the end of that block
    supply: int
    supply_rows: dict[int, int]  # block -> total supply at its end, for blocks that changed it

    def last_change(self) -> dict[str, int]:
        """Address -> the last block of the range that changed its balance."""
        return {a: n for (a, n) in self.history}


def fold(transfers: Sequence[Transfer], balances: dict[str, int], supply: int) -> Fold:
    """Applies the transfers, in chain order, to `balances` (updated in place; an address
    missing holds 0) and `supply`. A balance going negative means some earlier log is missing
    (the chain never allows it): NodeInconsistent, nothing is to be stored."""
    history: dict[tuple[str, int], int] = {}
    supply_rows: dict[int, int] = {}
    # Tuple unpacking, not attribute access: a backfill folds ~100,000 transfers per range.
    for number, _hash, tx_hash, log_index, frm, to, value in transfers:
        if frm == ZERO_ADDRESS:
            supply += value
            supply_rows[number] = supply
        else:
            after = balances.get(frm, 0) - value
            if after < 0:
                raise NodeInconsistent(
                    f"{frm} would hold {after} after {tx_hash}:{log_index}: "
                    "the node's logs are incomplete"
                )
            balances[frm] = after
            history[(frm, number)] = after
        if to == ZERO_ADDRESS:
            supply -= value
            supply_rows[number] = supply
        else:
            after = balances.get(to, 0) + value
            balances[to] = after
            history[(to, number)] = after
    return Fold(balances, history, supply, supply_rows)


def undo(transfers: Iterable[tuple[str, str, int]], supply: int) -> tuple[dict[str, int], int]:
    """The balance deltas and the supply that removing (from, to, value) transfers leaves
    (a reorg's undo is subtraction)."""
    deltas: dict[str, int] = {}
    for frm, to, value in transfers:
        if frm == ZERO_ADDRESS:
            supply -= value
        else:
            deltas[frm] = deltas.get(frm, 0) + value
        if to == ZERO_ADDRESS:
            supply += value
        else:
            deltas[to] = deltas.get(to, 0) - value
    return deltas, supply


def undone(current: dict[str, int], deltas: dict[str, int]) -> dict[str, int]:
    """Balances after applying undo `deltas` to `current`; a negative one means the stored
    index is corrupt (IndexerError)."""
    after: dict[str, int] = {}
    for address, delta in deltas.items():
        value = current.get(address, 0) + delta
        if value < 0:
            raise IndexerError(f"undo would leave {address} at {value}: the index is corrupt")
        after[address] = value
    return after

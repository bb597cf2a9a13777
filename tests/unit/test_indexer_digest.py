"""The bisectable digest's encoding (indexer/digest.py), checked against hashlib by hand, and
the pure parts of the recompute and the bisection (audit/digest.py, audit/bisect.py)."""

from __future__ import annotations

import hashlib
import random

import pytest

from audit.bisect import BisectFailed, ChainDigests, bisect
from audit.digest import Divergence, Recomputed, first_divergence
from indexer.digest import block_digest, chain_digests, seed

TOKEN = "0x" + "ab" * 20
A, B, C = "0x" + "aa" * 20, "0x" + "bb" * 20, "0x" + "cc" * 20


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_seed_binds_the_chain_and_the_token() -> None:
    assert seed(137, TOKEN) == sha(f"loyalty-indexer-digest/1\n137\n{TOKEN}")
    assert seed(137, TOKEN.upper().replace("0X", "0x")) == seed(137, TOKEN)
    assert seed(1, TOKEN) != seed(137, TOKEN)


def test_a_block_digest_is_the_sorted_changes_after_the_previous_digest() -> None:
    prev = seed(1, TOKEN)
    expected = sha(f"{prev}\n42\n{A}:5\n{B}:0\n{C}:12")
    assert block_digest(prev, 42, [(C, 12), (A, 5), (B, 0)]) == expected
    assert block_digest(prev, 43, [(C, 12), (A, 5), (B, 0)]) != expected  # the block counts
    assert block_digest(prev, 42, [(C, 12), (A, 6), (B, 0)]) != expected  # and every balance


def test_chain_digests_group_history_by_block_in_order() -> None:
    prev = seed(1, TOKEN)
    history = {(B, 7): 3, (A, 5): 10, (A, 7): 9, (C, 5): 1}  # not in block order
    rows = chain_digests(prev, history)
    d5 = block_digest(prev, 5, [(A, 10), (C, 1)])
    d7 = block_digest(d5, 7, [(A, 9), (B, 3)])
    assert rows == [(5, d5, 2), (7, d7, 2)]
    assert chain_digests(prev, {}) == []


def _chain(balances_by_block: dict[int, list[tuple[str, int]]], through: int) -> Recomputed:
    out = Recomputed(1, TOKEN, through)
    prev = seed(1, TOKEN)
    for block in sorted(balances_by_block):
        prev = block_digest(prev, block, balances_by_block[block])
        out.rows.append((block, prev, len(balances_by_block[block])))
        out.changes[block] = sorted(balances_by_block[block])
    return out


def test_a_block_without_changes_repeats_the_digest_before_it() -> None:
    chain = _chain({3: [(A, 1)], 9: [(A, 2)]}, 20)
    assert chain.digest(0) == chain.digest(2) == seed(1, TOKEN)
    assert chain.digest(3) == chain.digest(8) == chain.rows[0][1]
    assert chain.digest(9) == chain.digest(20) == chain.rows[1][1]


def test_first_divergence_names_the_first_block_that_differs_or_is_missing() -> None:
    rows = [(1, "a", 1), (4, "b", 1), (6, "c", 2)]
    assert first_divergence(rows, list(rows)) is None
    assert first_divergence(rows, [(1, "a", 1), (4, "x", 1), (6, "y", 2)]) == Divergence(
        4, "b", "x"
    )
    assert first_divergence(rows, [(1, "a", 1), (6, "c", 2)]) == Divergence(4, "b", None)
    assert first_divergence(rows[:1], rows) == Divergence(4, None, "b")
    assert first_divergence(rows, [*rows, (9, "d", 1)]) == Divergence(9, None, "d")


@pytest.mark.parametrize("k", [0, 1, 17, 500, 998, 999])
def test_bisect_names_block_k_in_log_queries(k: int) -> None:
    changes = {n: [(A, n), (B, 1000 - n)] for n in range(0, 1000, 1)}
    honest = _chain(changes, 999)
    tampered = dict(changes)
    tampered[k] = [(A, k + 1), (B, 1000 - k)]
    result = bisect(ChainDigests(honest), ChainDigests(_chain(tampered, 999)))
    assert result.divergent == k
    assert result.queries <= 11  # ⌈log2(1001)⌉ + the first probe
    assert result.differences == {A: (k, k + 1)}
    assert result.ours == honest.digest(k)


def test_bisect_of_equal_indexes_agrees_and_of_other_tokens_refuses() -> None:
    one = _chain({2: [(A, 1)]}, 10)
    result = bisect(ChainDigests(one), ChainDigests(_chain({2: [(A, 1)]}, 12)))
    assert (result.divergent, result.through, result.queries) == (None, 10, 1)
    other = Recomputed(1, "0x" + "cd" * 20, 10)
    with pytest.raises(BisectFailed, match="not the same index"):
        bisect(ChainDigests(one), ChainDigests(other))


def test_the_backfill_s_fast_chain_equals_block_by_block_digests() -> None:
    rng = random.Random(3)
    addresses = ["0x" + rng.randbytes(20).hex() for _ in range(50)]
    history = {
        (rng.choice(addresses), rng.randrange(40)): rng.randrange(10**30) for _ in range(600)
    }
    previous = seed(5, TOKEN)
    expected = []
    for block in sorted({n for _, n in history}):
        changes = [(a, b) for (a, n), b in history.items() if n == block]
        previous = block_digest(previous, block, changes)
        expected.append((block, previous, len(changes)))
    assert chain_digests(seed(5, TOKEN), history) == expected

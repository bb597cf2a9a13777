"""Incremental updates of a stored Merkle-sum tree (loyalty.domain.merkle_paths): after any
sequence of leaf changes, including slots that grow the tree by several levels at once and
leaves emptied again, the stored root is the root of the tree built from scratch, every proof
read from the store verifies, and an update reads and writes only the changed paths."""

from __future__ import annotations

import random

import pytest

from loyalty.domain import merkle_paths as paths
from loyalty.domain.merkle import EMPTY_LEAF, Leaf, MerkleSumTree, Proof, verify


class Store:
    def __init__(self) -> None:
        self.nodes: dict[paths.Key, object] = {}
        self.reads = 0

    def fetch(self, keys: set[paths.Key]) -> dict[paths.Key, object]:
        self.reads += 1
        return {k: self.nodes[k] for k in keys if k in self.nodes}


@pytest.mark.parametrize("seed", range(3))
def test_stored_updates_match_a_full_build(seed: int) -> None:
    rng = random.Random(seed)
    store = Store()
    leaves: dict[int, Leaf] = {}
    top = 0
    for round_ in range(15):
        changes = {}
        for _ in range(rng.randint(1, 12)):
            # small slots first, then jumps of several levels (1,024 -> 2**12)
            slot = rng.randint(0, 40 if round_ < 8 else 2**12)
            leaf = Leaf(rng.randbytes(32), None, rng.randint(0, 1000), rng.randint(0, 5))
            if leaves and rng.random() < 0.2:
                slot, leaf = rng.choice(sorted(leaves)), EMPTY_LEAF  # a leaf emptied again
            leaves[slot] = leaf
            changes[slot] = paths.leaf_node(leaf)
        highest = max(s for s, leaf in leaves.items() if leaf != EMPTY_LEAF or s == max(leaves))
        depth = paths.depth_for(highest)
        new_top = max(top, depth)
        written = paths.update(changes, store.fetch, top_before=top, top=new_top)  # type: ignore[arg-type]
        # only the changed paths (and the index-0 chain when the tree grows) are written
        assert len(written) <= len(changes) * (new_top + 1) + (new_top - top + 1)
        store.nodes.update(written)
        top = new_top
        built = MerkleSumTree.build(leaves.items())
        assert built.depth == paths.depth_for(max(leaves))
        assert paths.root(built.depth, store.fetch) == built.root  # type: ignore[arg-type]
        slot = rng.choice(sorted(leaves))
        proof = Proof(slot, leaves[slot], paths.siblings(slot, built.depth, store.fetch))  # type: ignore[arg-type]
        assert verify(proof, built.root)


def test_an_update_reads_one_statement_per_level() -> None:
    store = Store()
    changes = {
        s: paths.leaf_node(Leaf(bytes([s % 256]) * 32, None, s, 0)) for s in range(0, 400, 2)
    }
    store.nodes.update(paths.update(changes, store.fetch, top_before=0, top=10))  # type: ignore[arg-type]
    store.reads = 0
    again = {
        s: paths.leaf_node(Leaf(bytes([s % 256]) * 32, None, s + 1, 0)) for s in range(0, 200, 2)
    }
    paths.update(again, store.fetch, top_before=10, top=10)  # type: ignore[arg-type]
    assert store.reads <= 10


def test_the_stored_levels_never_shrink() -> None:
    with pytest.raises(ValueError):
        paths.update({}, lambda keys: {}, top_before=12, top=10)

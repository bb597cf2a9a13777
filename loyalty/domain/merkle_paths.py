"""Incremental updates of a Merkle-sum tree whose nodes live elsewhere (a database table), in
O(changes x depth) hashes and one read per level: nothing but the changed paths and their
siblings is ever loaded, so a restarted process does not rebuild the tree.

A node is addressed by (level, index): level 0 holds the leaves (index = slot), the node at
(level + 1, index // 2) is the parent of (level, index) and (level, index ^ 1). A node missing
from the store is the empty subtree of its level. The tree's root for a depth d is the node at
(d, 0); it does not depend on how many levels above d are stored, so the depth can follow the
highest slot in use (loyalty.domain.merkle: max(MIN_DEPTH, bits of the highest slot)).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from loyalty.domain.merkle import _EMPTY, MIN_DEPTH, Leaf, Node, parent

Key = tuple[int, int]  # (level, index)
# Reads the stored nodes among `keys` (missing keys: empty subtrees).
Fetch = Callable[[set[Key]], Mapping[Key, Node]]


def leaf_node(leaf: Leaf) -> Node:
    return Node(leaf.hash(), leaf.balance, leaf.debt)


def empty(level: int) -> Node:
    return _EMPTY[level]


def depth_for(highest_slot: int | None) -> int:
    """The depth of a tree whose highest slot in use is `highest_slot` (None: no leaf)."""
    if highest_slot is None:
        return MIN_DEPTH
    return max(MIN_DEPTH, highest_slot.bit_length())


def update(
    changes: Mapping[int, Node], fetch: Fetch, *, top_before: int, top: int
) -> dict[Key, Node]:
    """The nodes to store after the leaves at `changes` (slot → new leaf node) change: every node
    on their paths up to level `top`, which must be ≥ `top_before` (the highest level stored so
    far). When the tree grows (`top` > `top_before`), the chain of index-0 nodes above the old top
    is computed as well, so that every stored level stays complete."""
    if top < top_before:
        raise ValueError(f"the stored levels cannot shrink ({top_before} -> {top})")
    written: dict[Key, Node] = {}
    current: dict[int, Node] = dict(changes)
    for level in range(top):
        if level == top_before and top > top_before and 0 not in current:
            current[0] = fetch({(level, 0)}).get((level, 0), empty(level))
        for index, node in current.items():
            written[(level, index)] = node
        if not current:
            break
        wanted = {(level, index ^ 1) for index in current if index ^ 1 not in current}
        stored = fetch(wanted) if wanted else {}
        parents: dict[int, Node] = {}
        for index in current:
            up = index >> 1
            if up in parents:
                continue
            left_index = up << 1
            left = _pick(current, stored, level, left_index)
            right = _pick(current, stored, level, left_index + 1)
            parents[up] = parent(left, right)
        current = parents
    for index, node in current.items():
        written[(top, index)] = node
    return written


def _pick(current: Mapping[int, Node], stored: Mapping[Key, Node], level: int, index: int) -> Node:
    node = current.get(index)
    if node is not None:
        return node
    return stored.get((level, index), empty(level))


def siblings(slot: int, depth: int, fetch: Fetch) -> tuple[Node, ...]:
    """The proof path of `slot` in a tree of `depth`, from the stored nodes (one read)."""
    keys = [(level, (slot >> level) ^ 1) for level in range(depth)]
    stored = fetch(set(keys))
    return tuple(stored.get(key, empty(key[0])) for key in keys)


def root(depth: int, fetch: Fetch) -> Node:
    return fetch({(depth, 0)}).get((depth, 0), empty(depth))


def all_keys(slots: Iterable[int], depth: int) -> set[Key]:
    """Every node on the paths of `slots` (for tests and rebuilds)."""
    return {(level, slot >> level) for slot in slots for level in range(depth + 1)}

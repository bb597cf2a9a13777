"""A Merkle-sum tree of the off-chain ledger: one leaf per member, each node carrying the sums of
its children, so that one root hash commits to every member's figures and to their totals.

Hash: SHA-256 (hashlib; keccak is not in the standard library). The encodings are fixed so that
the standalone verifier (verifier/loyalty_verify.py) recomputes them without this code:

    commitment = sha256(salt(32 bytes) ‖ utf8(member_id))
    leaf       = sha256(0x00 ‖ commitment ‖ address(20 bytes) ‖ u256(balance) ‖ u256(debt))
    node       = sha256(0x01 ‖ left.hash ‖ u256(left.balance) ‖ u256(left.debt)
                              ‖ right.hash ‖ u256(right.balance) ‖ u256(right.debt))
    node sums  = left sums + right sums

u256 is 32 bytes big-endian; every figure is an integer ≥ 0 (a negative one could hide a
liability, so neither side accepts one). A node hashes both children's sums, not only their total,
so a proof cannot move points between a member and a sibling. The 0x00/0x01 prefixes keep a leaf
from passing for a node.

Leaves sit at the member's *slot* (0, 1, 2 … in order of enrolment, stored with the salt): the
order is a function of stored state, so a rebuild gives the same root as the incremental updates,
and a new member is an O(log n) change (ordered by commitment, a newcomer would shift every leaf
after it). The tree is padded to a power of two with empty leaves (zero commitment, address and
figures), which hides the member count up to the next power of two; the depth is at least
MIN_DEPTH, so a small programme does not reveal how small it is.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

MIN_DEPTH = 10
SALT_BYTES = 32
U256_MAX = 2**256 - 1
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


class MerkleError(ValueError):
    """A leaf, a slot or a proof that the tree cannot take."""


def _u256(value: int) -> bytes:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= U256_MAX:
        raise MerkleError(f"a figure must be an integer from 0 to 2**256-1, not {value!r}")
    return value.to_bytes(32, "big")


def commitment(salt: bytes, member_id: str) -> bytes:
    """H(salt ‖ memberId): names the member to whoever holds the salt, and to no one else."""
    if len(salt) != SALT_BYTES:
        raise MerkleError(f"a salt is {SALT_BYTES} bytes, not {len(salt)}")
    return hashlib.sha256(salt + member_id.encode("utf-8")).digest()


def address_bytes(address: str | None) -> bytes:
    if address is None:
        return bytes(20)
    if not _ADDRESS.match(address):
        raise MerkleError(f"{address!r} is not a 0x-prefixed 20-byte address")
    return bytes.fromhex(address[2:])


@dataclass(frozen=True)
class Leaf:
    commitment: bytes
    address: str | None
    balance: int
    debt: int = 0

    def hash(self) -> bytes:
        if len(self.commitment) != 32:
            raise MerkleError("a commitment is 32 bytes")
        return hashlib.sha256(
            b"\x00"
            + self.commitment
            + address_bytes(self.address)
            + _u256(self.balance)
            + _u256(self.debt)
        ).digest()


EMPTY_LEAF = Leaf(bytes(32), None, 0, 0)


@dataclass(frozen=True)
class Node:
    hash: bytes
    balance: int
    debt: int


def parent(left: Node, right: Node) -> Node:
    digest = hashlib.sha256(
        b"\x01"
        + left.hash
        + _u256(left.balance)
        + _u256(left.debt)
        + right.hash
        + _u256(right.balance)
        + _u256(right.debt)
    ).digest()
    return Node(digest, left.balance + right.balance, left.debt + right.debt)


def _empty_nodes(depth: int) -> list[Node]:
    nodes = [Node(EMPTY_LEAF.hash(), 0, 0)]
    for _ in range(depth):
        nodes.append(parent(nodes[-1], nodes[-1]))
    return nodes


_EMPTY = _empty_nodes(64)


@dataclass(frozen=True)
class Proof:
    """What a member needs to check their leaf against a root: the leaf's slot and the sibling
    of every node on the way up (bottom first)."""

    slot: int
    leaf: Leaf
    siblings: tuple[Node, ...]

    @property
    def depth(self) -> int:
        return len(self.siblings)


def fold(proof: Proof) -> Node:
    """The root a proof leads to (what a verifier compares with the published one)."""
    if not 0 <= proof.slot < 2**proof.depth:
        raise MerkleError(f"slot {proof.slot} does not fit a tree of depth {proof.depth}")
    node = Node(proof.leaf.hash(), proof.leaf.balance, proof.leaf.debt)
    for level, sibling in enumerate(proof.siblings):
        node = parent(sibling, node) if proof.slot >> level & 1 else parent(node, sibling)
    return node


def verify(proof: Proof, root: Node) -> bool:
    try:
        return fold(proof) == root
    except MerkleError:
        return False


class MerkleSumTree:
    """The tree, kept as one list of nodes per level (level 0: the leaves) with empty subtrees
    implicit: set() recomputes only the path from the changed leaf to the root."""

    def __init__(self) -> None:
        self._leaves: list[Leaf] = []
        self._levels: list[list[Node]] = [[]]

    @classmethod
    def build(cls, leaves: Iterable[tuple[int, Leaf]]) -> MerkleSumTree:
        """A tree of (slot, leaf) pairs in one pass (O(n)); slots need not be contiguous."""
        tree = cls()
        placed = sorted(leaves, key=lambda pair: pair[0])
        if placed:
            if placed[0][0] < 0:
                raise MerkleError(f"slot {placed[0][0]} is negative")
            size = placed[-1][0] + 1
            tree._leaves = [EMPTY_LEAF] * size
            for (slot, leaf), following in zip(placed, [*placed[1:], (None, None)], strict=True):
                if following[0] == slot:
                    raise MerkleError(f"slot {slot} holds two leaves")
                tree._leaves[slot] = leaf
            level = [Node(leaf.hash(), leaf.balance, leaf.debt) for leaf in tree._leaves]
            tree._levels = [level]
            depth = 0
            while len(level) > 1 or depth < tree.depth:
                empty = _EMPTY[depth]
                level = [
                    parent(level[i], level[i + 1] if i + 1 < len(level) else empty)
                    for i in range(0, len(level), 2)
                ]
                tree._levels.append(level)
                depth += 1
        return tree

    def __len__(self) -> int:
        return len(self._leaves)

    @property
    def depth(self) -> int:
        return max(MIN_DEPTH, (len(self._leaves) - 1).bit_length())

    def _node(self, level: int, index: int) -> Node:
        nodes = self._levels[level] if level < len(self._levels) else []
        return nodes[index] if index < len(nodes) else _EMPTY[level]

    @property
    def root(self) -> Node:
        return self._node(self.depth, 0)

    def leaf(self, slot: int) -> Leaf:
        if not 0 <= slot < len(self._leaves):
            raise MerkleError(f"slot {slot} holds no leaf")
        return self._leaves[slot]

    def set(self, slot: int, leaf: Leaf) -> None:
        """Places (or replaces) the leaf at `slot`: O(depth) hashes."""
        if isinstance(slot, bool) or not isinstance(slot, int) or slot < 0:
            raise MerkleError(f"a slot is an integer ≥ 0, not {slot!r}")
        node = Node(leaf.hash(), leaf.balance, leaf.debt)
        if slot >= len(self._leaves):
            self._leaves.extend([EMPTY_LEAF] * (slot + 1 - len(self._leaves)))
        self._leaves[slot] = leaf
        depth = self.depth
        while len(self._levels) <= depth:
            self._levels.append([])
        index = slot
        for level in range(depth + 1):
            nodes = self._levels[level]
            if index >= len(nodes):
                nodes.extend([_EMPTY[level]] * (index + 1 - len(nodes)))
            nodes[index] = node
            if level == depth:
                break
            sibling = self._node(level, index ^ 1)
            node = parent(sibling, node) if index & 1 else parent(node, sibling)
            index >>= 1

    def proof(self, slot: int) -> Proof:
        leaf = self.leaf(slot)
        siblings = tuple(self._node(level, (slot >> level) ^ 1) for level in range(self.depth))
        return Proof(slot, leaf, siblings)


def _node_document(node: Node) -> dict[str, object]:
    return {"hash": "0x" + node.hash.hex(), "balance": str(node.balance), "debt": str(node.debt)}


def proof_document(proof: Proof, member_id: str, salt: bytes, root: Node) -> dict[str, object]:
    """The proof as the standalone verifier reads it (JSON; figures as decimal strings, since a
    root's sums can pass 2**53, which JavaScript clients read exactly only as strings)."""
    if commitment(salt, member_id) != proof.leaf.commitment:
        raise MerkleError("the salt and member id do not give the leaf's commitment")
    return {
        "version": 1,
        "hash": "sha256",
        "memberId": member_id,
        "salt": "0x" + salt.hex(),
        "slot": proof.slot,
        "leaf": {
            "commitment": "0x" + proof.leaf.commitment.hex(),
            "address": proof.leaf.address,
            "balance": str(proof.leaf.balance),
            "debt": str(proof.leaf.debt),
        },
        "path": [_node_document(sibling) for sibling in proof.siblings],
        "root": _node_document(root),
    }


@dataclass(frozen=True)
class MemberFigures:
    """What the tree holds of one member, as the ledger stores it."""

    slot: int
    member_id: str
    salt: bytes
    address: str | None
    balance: int
    debt: int

    def leaf(self) -> Leaf:
        return Leaf(commitment(self.salt, self.member_id), self.address, self.balance, self.debt)


class Book:
    """The ledger's tree with the members it holds, found by member id."""

    def __init__(self, figures: Iterable[MemberFigures]) -> None:
        self.members: dict[str, MemberFigures] = {}
        for member in figures:
            if member.member_id in self.members:
                raise MerkleError(f"member {member.member_id!r} is in the book twice")
            self.members[member.member_id] = member
        self.tree = MerkleSumTree.build((m.slot, m.leaf()) for m in self.members.values())

    @property
    def root(self) -> Node:
        return self.tree.root

    def update(self, member: MemberFigures) -> None:
        """A member's new figures (or a new member): one path recomputed."""
        known = self.members.get(member.member_id)
        if known is not None and known.slot != member.slot:
            raise MerkleError(f"member {member.member_id!r} moved from slot {known.slot}")
        self.members[member.member_id] = member
        self.tree.set(member.slot, member.leaf())

    def document(self, member_id: str) -> dict[str, object]:
        """The member's proof as JSON (KeyError for a member not in the book)."""
        member = self.members[member_id]
        return proof_document(self.tree.proof(member.slot), member_id, member.salt, self.root)

"""The Merkle-sum tree of the ledger: random earn/redeem/refund/reverse/expire sequences across
members keep the root sum equal to the ledger's totals, every member's proof verifies, the
incremental tree equals one built from scratch, and a tampered leaf, sibling or sum fails."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.domain.errors import InvalidInput
from loyalty.domain.ledger import EntryType, Totals, post
from loyalty.domain.merkle import (
    EMPTY_LEAF,
    MIN_DEPTH,
    Book,
    Leaf,
    MemberFigures,
    MerkleError,
    MerkleSumTree,
    Proof,
    commitment,
    fold,
    proof_document,
    verify,
)

MEMBERS = 12


def salt_of(member: int) -> bytes:
    return hashlib.sha256(f"salt {member}".encode()).digest()


def leaf_of(member: int, totals: Totals) -> Leaf:
    address = f"0x{member + 1:040x}" if member % 3 else None
    return Leaf(commitment(salt_of(member), f"m-{member}"), address, totals.balance, totals.debt)


operations = st.lists(
    st.tuples(
        st.integers(0, MEMBERS - 1),
        st.sampled_from(list(EntryType)),
        st.integers(1, 5_000),
    ),
    max_size=60,
)


@settings(max_examples=80, deadline=None)
@given(operations)
def test_random_ledger_sequences_keep_the_tree_and_its_sums_right(ops) -> None:
    ledger: dict[int, Totals] = {}
    tree = MerkleSumTree()
    for member, type_, amount in ops:
        totals = ledger.get(member, Totals())
        signed = (
            -amount if type_ in (EntryType.REDEEM, EntryType.REVERSE, EntryType.EXPIRE) else amount
        )
        if type_ is EntryType.REFUND:
            signed = min(amount, totals.redeemed)
        try:
            totals = post(totals, type_, signed).totals
        except InvalidInput:
            continue  # the ledger refuses it (a refund of nothing, a redemption past the balance)
        ledger[member] = totals
        tree.set(member, leaf_of(member, totals))  # the member's slot is its enrolment number

    root = tree.root
    assert root.balance == sum(t.balance for t in ledger.values())
    assert root.debt == sum(t.debt for t in ledger.values())
    rebuilt = MerkleSumTree.build((m, leaf_of(m, t)) for m, t in ledger.items())
    assert rebuilt.root == root
    for member, totals in ledger.items():
        proof = tree.proof(member)
        assert proof.leaf == leaf_of(member, totals)
        assert verify(proof, root)
        assert proof.depth == MIN_DEPTH


def a_tree(members: int = 5) -> MerkleSumTree:
    return MerkleSumTree.build(
        (m, leaf_of(m, Totals(earned=10 * m + 1, debt=m))) for m in range(members)
    )


def test_a_tampered_leaf_fails() -> None:
    tree = a_tree()
    proof = tree.proof(3)
    assert verify(proof, tree.root)
    for changed in (
        replace(proof.leaf, balance=proof.leaf.balance + 1),
        replace(proof.leaf, debt=proof.leaf.debt - 1),
        replace(proof.leaf, address="0x" + "ab" * 20),
        replace(proof.leaf, commitment=commitment(salt_of(3), "m-4")),
    ):
        assert not verify(replace(proof, leaf=changed), tree.root)


def test_a_tampered_sibling_or_sum_fails() -> None:
    tree = a_tree()
    proof = tree.proof(2)
    for level, sibling in enumerate(proof.siblings):
        for changed in (
            replace(sibling, hash=bytes(32)),
            replace(sibling, balance=sibling.balance + 1),
            replace(sibling, debt=sibling.debt + 1),
        ):
            siblings = (*proof.siblings[:level], changed, *proof.siblings[level + 1 :])
            assert not verify(replace(proof, siblings=siblings), tree.root)
    assert not verify(replace(proof, slot=3), tree.root)
    assert not verify(proof, replace(tree.root, balance=tree.root.balance + 1))


def test_points_cannot_move_between_a_leaf_and_its_sibling() -> None:
    """The node hashes each child's sums, so a member shown less (and a sibling more) fails."""
    tree = a_tree(2)
    proof = tree.proof(0)
    sibling = proof.siblings[0]
    moved = Proof(
        0,
        replace(proof.leaf, balance=proof.leaf.balance - 1),
        (replace(sibling, balance=sibling.balance + 1), *proof.siblings[1:]),
    )
    assert fold(moved).balance == tree.root.balance
    assert not verify(moved, tree.root)


def test_a_negative_figure_is_refused() -> None:
    tree = a_tree(2)
    proof = tree.proof(0)
    sibling = proof.siblings[0]
    negative = replace(proof, siblings=(replace(sibling, balance=-1), *proof.siblings[1:]))
    assert not verify(negative, tree.root)
    with pytest.raises(MerkleError):
        fold(negative)
    with pytest.raises(MerkleError):
        Leaf(bytes(32), None, -1).hash()


def test_the_tree_grows_past_its_padding_and_stays_equal_to_a_rebuild() -> None:
    tree = MerkleSumTree()
    size = 2**MIN_DEPTH + 3
    for member in range(size):
        tree.set(member, leaf_of(member, Totals(earned=member + 1)))
    assert tree.depth == MIN_DEPTH + 1
    rebuilt = MerkleSumTree.build((m, tree.leaf(m)) for m in range(size))
    assert rebuilt.root == tree.root
    assert tree.root.balance == size * (size + 1) // 2
    assert verify(tree.proof(0), tree.root) and verify(tree.proof(size - 1), tree.root)


def test_the_empty_tree_and_gaps_are_empty_leaves() -> None:
    empty = MerkleSumTree()
    assert empty.root.balance == 0 and len(empty) == 0
    gapped = MerkleSumTree.build([(4, leaf_of(4, Totals(earned=7)))])
    assert gapped.leaf(1) == EMPTY_LEAF
    assert gapped.root.balance == 7 and verify(gapped.proof(4), gapped.root)


def test_bad_input_is_a_merkle_error() -> None:
    with pytest.raises(MerkleError, match="salt"):
        commitment(b"short", "m")
    with pytest.raises(MerkleError, match="address"):
        Leaf(bytes(32), "0x12", 1).hash()
    with pytest.raises(MerkleError, match="two leaves"):
        MerkleSumTree.build([(1, EMPTY_LEAF), (1, EMPTY_LEAF)])
    with pytest.raises(MerkleError, match="slot"):
        MerkleSumTree().set(-1, EMPTY_LEAF)
    with pytest.raises(MerkleError, match="no leaf"):
        MerkleSumTree().proof(0)
    assert not verify(Proof(2**MIN_DEPTH, EMPTY_LEAF, a_tree().proof(0).siblings), a_tree().root)


def _figures(member: int, balance: int, debt: int = 0) -> MemberFigures:
    return MemberFigures(member, f"m-{member}", salt_of(member), None, balance, debt)


def test_a_book_updates_like_a_rebuild_and_serves_documents() -> None:
    book = Book(_figures(m, 10 * m) for m in range(4))
    book.update(_figures(2, 5, 3))
    book.update(_figures(9, 1))  # a newcomer beyond the last slot
    rebuilt = Book([*(_figures(m, 10 * m) for m in (0, 1, 3)), _figures(2, 5, 3), _figures(9, 1)])
    assert book.root == rebuilt.root
    assert (book.root.balance, book.root.debt) == (0 + 10 + 5 + 30 + 1, 3)
    document = book.document("m-2")
    assert document["memberId"] == "m-2" and document["slot"] == 2
    with pytest.raises(MerkleError, match="moved"):
        book.update(MemberFigures(3, "m-2", salt_of(2), None, 1, 0))
    with pytest.raises(MerkleError, match="twice"):
        Book([_figures(1, 1), MemberFigures(2, "m-1", salt_of(1), None, 1, 0)])
    with pytest.raises(MerkleError, match="commitment"):
        proof_document(book.tree.proof(2), "m-3", salt_of(2), book.root)

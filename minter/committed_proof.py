"""A member's proof against the newest root committed on chain (issue 17, item 3): the root of
the committed tree (minter.commitment) at the newest SETTLE batch that is final, which the token
accepted with that batch and which its `BatchSettled` log holds.

The minter's stored tree usually stands at a later batch (the one it is sending). The tree at the
final batch p differs from it only in the leaves of members with requests in batches after
min(p, stored position, stored floor - 1) (the same bound the minter's own moves use), so those
leaves are recomputed at p and their paths rehashed in memory over the stored nodes, nothing
written: O(changes x log n) reads and hashes, never the whole book. That overlay is kept until
the stored tree moves (CommittedProofs), so a proof then costs a few indexed reads. The root
reached is compared with the root recorded on the batch (the one sent on chain), and each proof
is folded to it before it is served; if they differ (the minter moved the stored tree between
two reads, or the stored tree is not the outbox's), the overlay is made again, and in the end
the tree at p is rebuilt from the outbox alone, which is slow at a million members but right.
A rebuild that does not give the batch's root either is a CommitmentError: the books no longer
give what was committed (`loyalty audit` names why).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from loyalty.db.ledger import members
from loyalty.db.outbox import chain_requests
from loyalty.db.proofs import member_commitments, member_salts
from loyalty.domain import merkle_paths as paths
from loyalty.domain.merkle import EMPTY_LEAF, MIN_DEPTH, Node, Proof, fold, proof_document
from minter.commitment import (
    CHUNK,
    CommitmentError,
    MemberLeaf,
    NodeStore,
    member_figures,
    member_leaves,
    rebuild,
)
from minter.tables import B_FINAL, commit_tree_leaves, commit_tree_state, mint_batches

SETTLE_KIND = "SETTLE"
OVERLAY_ATTEMPTS = 3


@dataclass(frozen=True)
class CommittedAt:
    """Where a root was committed: the batch (row id and on-chain id), its transaction and block,
    and the supply the token checked."""

    batch: int
    batch_id: str
    tx_hash: str
    block: int
    root: str
    supply: int

    def document(self) -> dict[str, object]:
        return {
            "batch": self.batch,
            "batchId": self.batch_id,
            "txHash": self.tx_hash,
            "block": self.block,
            "root": self.root,
            "supply": str(self.supply),
        }


def latest_final_commit(conn: Connection) -> CommittedAt | None:
    b = mint_batches.c
    row = conn.execute(
        select(b.id, b.batch_id, b.tx_hash, b.block_number, b.root, b.committed_supply)
        .where(b.kind == SETTLE_KIND, b.status == B_FINAL, b.root.is_not(None))
        .order_by(b.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return CommittedAt(
        int(row.id),
        str(row.batch_id),
        str(row.tx_hash),
        int(row.block_number),
        str(row.root).lower(),
        int(row.committed_supply),
    )


@dataclass(frozen=True)
class Overlay:
    """The committed tree at a final batch, as the changes it holds over the stored tree: valid
    while the stored tree has not moved (`key`)."""

    key: tuple[Any, ...]
    at: CommittedAt
    depth: int
    written: Mapping[paths.Key, Node]  # the nodes on the changed members' paths, at the batch
    leaves: Mapping[str, MemberLeaf]  # the changed members' leaves at the batch
    gone: frozenset[str]  # changed members with no leaf at the batch


class CommittedProofs:
    """Serves committed proofs, keeping the overlay between requests (the API holds one per
    database): while the stored tree stays where it is, a proof costs a few indexed reads."""

    def __init__(self) -> None:
        self.overlay: Overlay | None = None

    def proof(self, conn: Connection, member_id: str) -> dict[str, object] | None:
        """The member's proof against the newest final committed root, with `committed` saying
        where it was committed; None when no root is committed yet or the member has no leaf in
        it (no mint or burn of theirs is in a batch up to it)."""
        at = latest_final_commit(conn)
        if at is None:
            return None
        for _ in range(OVERLAY_ATTEMPTS):
            state = conn.execute(
                select(commit_tree_state).where(commit_tree_state.c.id == 1)
            ).first()
            if state is None:
                break
            key = (at.batch, at.root, state.position, state.floor, state.root, state.updated_at)
            overlay = self.overlay
            if overlay is None or overlay.key != key:
                overlay = self.overlay = _overlay(conn, at, state, key)
            if overlay is None:
                continue  # the stored tree moved while it was read: once more
            found = _member_proof(conn, overlay, member_id)
            if found is not _MOVED:
                return _with_place(found, at)
            self.overlay = None
        return _with_place(_rebuilt_proof(conn, member_id, at), at)


def committed_proof(conn: Connection, member_id: str) -> dict[str, object] | None:
    """CommittedProofs().proof without keeping anything (the audit, the tests)."""
    return CommittedProofs().proof(conn, member_id)


_MOVED: Any = object()  # the proof did not fold to the batch's root


def _with_place(document: dict[str, object] | None, at: CommittedAt) -> dict[str, object] | None:
    if document is None:
        return None
    return {**document, "committed": at.document()}


def _overlay(conn: Connection, at: CommittedAt, state: Any, key: tuple[Any, ...]) -> Overlay | None:
    low = min(int(state.position), at.batch, int(state.floor) - 1)
    changed = sorted(
        {
            m
            for (m,) in conn.execute(
                select(chain_requests.c.member_id).where(chain_requests.c.batch_id > low).distinct()
            )
            if m is not None
        }
    )
    figures = member_figures(conn, at.batch, changed)
    leaves = {leaf.member_id: leaf for leaf in member_leaves(conn, figures, salt_missing=False)}
    store = NodeStore(conn)
    changes: dict[int, Node] = {leaf.slot: paths.leaf_node(leaf.leaf()) for leaf in leaves.values()}
    gone = _pks(conn, [m for m in changed if m not in figures])
    for pk in gone.values():
        changes[pk - 1] = paths.leaf_node(EMPTY_LEAF)
    top = int(state.top)
    written = paths.update(changes, store.fetch, top_before=top, top=top)
    depth = _depth_of(at.root, top, _over(written, store))
    if depth is None:
        return None
    return Overlay(key, at, depth, written, leaves, frozenset(gone))


def _over(written: Mapping[paths.Key, Node], store: NodeStore) -> paths.Fetch:
    def fetch(keys: set[paths.Key]) -> Mapping[paths.Key, Node]:
        out = {k: written[k] for k in keys if k in written}
        out.update(store.fetch({k for k in keys if k not in written}))
        return out

    return fetch


def _member_proof(conn: Connection, overlay: Overlay, member_id: str) -> Any:
    leaf = overlay.leaves.get(member_id)
    if leaf is None and member_id not in overlay.gone:
        leaf = _stored_leaf(conn, member_id)
    if leaf is None or leaf.frozen is not None:
        return None  # no leaf, or an erased member's (a commitment no salt of theirs gives)
    fetch = _over(overlay.written, NodeStore(conn))
    proof = Proof(leaf.slot, leaf.leaf(), paths.siblings(leaf.slot, overlay.depth, fetch))
    root = fold(proof)
    if "0x" + root.hash.hex() != overlay.at.root:
        return _MOVED  # a node read after the stored tree moved on
    return proof_document(proof, member_id, leaf.salt, root)


def _depth_of(root: str, top: int, fetch: paths.Fetch) -> int | None:
    """The depth at which the tree's root is the committed one (the depth follows the highest
    slot in use, which the batch does not record)."""
    keys = {(level, 0) for level in range(MIN_DEPTH, top + 1)}
    nodes = fetch(keys)
    for level in range(MIN_DEPTH, top + 1):
        node = nodes.get((level, 0), paths.empty(level))
        if "0x" + node.hash.hex() == root:
            return level
    return None


def _pks(conn: Connection, member_ids: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for start in range(0, len(member_ids), CHUNK):
        chunk = member_ids[start : start + CHUNK]
        for pk, mid in conn.execute(
            select(members.c.id, members.c.member_id).where(members.c.member_id.in_(chunk))
        ):
            out[mid] = int(pk)
    return out


def _stored_leaf(conn: Connection, member_id: str) -> MemberLeaf | None:
    """The member's leaf as the stored tree holds it (they changed after no batch since)."""
    t = commit_tree_leaves.c
    row = conn.execute(
        select(
            members.c.id, member_salts.c.salt, t.address, t.balance, member_commitments.c.commitment
        )
        .select_from(
            members.join(commit_tree_leaves, t.member_pk == members.c.id)
            .join(member_salts, member_salts.c.member_pk == members.c.id)
            .outerjoin(member_commitments, member_commitments.c.member_pk == members.c.id)
        )
        .where(members.c.member_id == member_id)
    ).first()
    if row is None:
        return None
    frozen = None if row.commitment is None else bytes(row.commitment)
    return MemberLeaf(
        int(row.id), member_id, bytes(row.salt), row.address, int(row.balance), frozen
    )


def _rebuilt_proof(conn: Connection, member_id: str, at: CommittedAt) -> dict[str, object] | None:
    leaves, tree = rebuild(conn, at.batch)
    if "0x" + tree.root.hash.hex() != at.root:
        raise CommitmentError(
            f"the committed tree rebuilt at batch {at.batch} has root 0x{tree.root.hash.hex()}, "
            f"not {at.root}, the root committed on chain: run `loyalty audit`"
        )
    for leaf in leaves:
        if leaf.member_id == member_id and leaf.frozen is None:
            proof = tree.proof(leaf.slot)
            return proof_document(proof, member_id, leaf.salt, tree.root)
    return None


__all__ = ["CommittedAt", "CommittedProofs", "Overlay", "committed_proof", "latest_final_commit"]

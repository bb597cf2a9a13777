"""The ledger as the chain will hold it after batch k: the committed Merkle-sum tree (issue 17).

One leaf per member that has a chain request in a batch up to k (by batch row id) that the token
did not refuse:

    balance(member, k) = Σ mints - Σ burns of the member's requests in batches ≤ k, not REFUSED
    address(member, k) = the address of the newest of those requests
    leaf               = loyalty.domain.merkle.Leaf(H(salt ‖ memberId), address, balance, debt=0)

The sum of the leaves is exactly what `totalSupply()` is once every batch up to k has landed,
because every on-chain mint or burn is one of these requests (batches are sent in row-id order;
a refused request never went on chain; a netted batch nets to zero per address). That is the
figure `settle` commits and the token checks. Debt is the ledger's, not the chain's: it is 0 in
the committed tree (the live tree of memberProof carries it). In transferable mode a leaf is the
programme's net issuance to the member; `balanceOf` differs by the member's own transfers.

The tree is stored (minter.tables: commit_tree_*) and moved to batch k incrementally: the only
members whose leaf can differ from the stored one are those with requests in batches after the
lower of k and the stored position, or in batches that were not settled at the last update (a
refusal moves requests out of such a batch). Their figures are recomputed exactly, by one grouped
query, and only their paths are rehashed (loyalty.domain.merkle_paths).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, delete, func, or_, select

from loyalty.db.ledger import dialect_insert, insert_or_skip, members
from loyalty.db.outbox import MINT, REFUSED, chain_requests
from loyalty.db.proofs import member_commitments, member_salts, new_salts
from loyalty.domain import merkle_paths as paths
from loyalty.domain.merkle import EMPTY_LEAF, Leaf, MerkleSumTree, Node, commitment
from minter.tables import (
    B_INCLUDED,
    B_PENDING,
    B_SENT,
    commit_tree_leaves,
    commit_tree_nodes,
    commit_tree_state,
    mint_batches,
)

CHUNK = 500


class CommitmentError(Exception):
    """The ledger cannot be committed as it stands (a request of no member, a negative leaf)."""


class NegativeLeaf(CommitmentError):
    """A member's burns would pass their mints: the chain cannot hold that for them by the books
    (on a token holding only the ledger's points, the token would refuse the burn too)."""

    def __init__(self, member_id: str, address: str, balance: int) -> None:
        super().__init__(
            f"member {member_id!r} would have {balance} points on chain: burns beyond mints"
        )
        self.member_id = member_id
        self.address = address
        self.balance = balance


@dataclass(frozen=True)
class Commitment:
    position: int  # the batch row id the tree stands at
    root: Node
    depth: int

    @property
    def root_hex(self) -> str:
        return "0x" + self.root.hash.hex()

    @property
    def supply(self) -> int:
        return self.root.balance


@dataclass(frozen=True)
class MemberLeaf:
    member_pk: int
    member_id: str
    salt: bytes
    address: str | None
    balance: int
    # The commitment fixed when the member was erased (loyalty.db.proofs.member_commitments):
    # the leaf keeps it, so the roots committed before the erasure stay reproducible.
    frozen: bytes | None = None

    @property
    def slot(self) -> int:
        return self.member_pk - 1

    def leaf(self) -> Leaf:
        mark = self.frozen or commitment(self.salt, self.member_id)
        return Leaf(mark, self.address, self.balance, 0)


_SIGNED = case(
    (chain_requests.c.kind == MINT, chain_requests.c.amount), else_=-chain_requests.c.amount
)


def _counted(position: int) -> Any:
    return and_(
        chain_requests.c.batch_id.is_not(None),
        chain_requests.c.batch_id <= position,
        chain_requests.c.status != REFUSED,
    )


def member_figures(
    conn: Connection, position: int, member_ids: Iterable[str] | None = None
) -> dict[str, tuple[str, int]]:
    """member id → (address, balance) as of batch `position`, for `member_ids` (None: all)."""
    query = (
        select(chain_requests.c.member_id, func.sum(_SIGNED), func.max(chain_requests.c.id))
        .where(_counted(position))
        .group_by(chain_requests.c.member_id)
    )
    rows: list[Any] = []
    if member_ids is None:
        rows = list(conn.execute(query))
    else:
        wanted = sorted(set(member_ids))
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            rows += conn.execute(query.where(chain_requests.c.member_id.in_(chunk))).all()
    newest = [int(r[2]) for r in rows]
    address: dict[int, str] = {}
    for start in range(0, len(newest), CHUNK):
        ids = newest[start : start + CHUNK]
        found = conn.execute(
            select(chain_requests.c.id, chain_requests.c.address).where(
                chain_requests.c.id.in_(ids)
            )
        )
        address.update({int(i): a.lower() for i, a in found})
    out: dict[str, tuple[str, int]] = {}
    for member_id, balance, last in rows:
        if member_id is None:
            raise CommitmentError(f"chain request {last} names no member: it cannot be committed")
        out[member_id] = (address[int(last)], int(balance))
    return out


def _members(conn: Connection, member_ids: list[str]) -> dict[str, tuple[int, bytes | None]]:
    return {m: (pk, salt) for m, (pk, salt, _) in _member_rows(conn, member_ids).items()}


def _member_rows(
    conn: Connection, member_ids: list[str]
) -> dict[str, tuple[int, bytes | None, bytes | None]]:
    """member id -> (pk, salt, the commitment fixed at an erasure)."""
    found: dict[str, tuple[int, bytes | None, bytes | None]] = {}
    c = member_commitments.c
    query = select(
        members.c.id, members.c.member_id, member_salts.c.salt, c.commitment
    ).select_from(
        members.outerjoin(member_salts, member_salts.c.member_pk == members.c.id).outerjoin(
            member_commitments, c.member_pk == members.c.id
        )
    )
    for start in range(0, len(member_ids), CHUNK):
        chunk = member_ids[start : start + CHUNK]
        for pk, member_id, salt, frozen in conn.execute(
            query.where(members.c.member_id.in_(chunk))
        ):
            found[member_id] = (
                int(pk),
                None if salt is None else bytes(salt),
                None if frozen is None else bytes(frozen),
            )
    return found


def member_leaves(
    conn: Connection, figures: Mapping[str, tuple[str, int]], *, salt_missing: bool
) -> list[MemberLeaf]:
    """The leaves of these members' figures; members without a salt get one when
    `salt_missing` (the audit passes False and reports them instead)."""
    ids = sorted(figures)
    known = _member_rows(conn, ids)
    unknown = [m for m in ids if m not in known]
    if unknown:
        raise CommitmentError(
            f"chain requests name {len(unknown)} member id(s) with no member row, e.g. "
            f"{unknown[0]!r}: they cannot be committed"
        )
    unsalted = [pk for pk, salt, _ in known.values() if salt is None]
    if unsalted and salt_missing:
        statement = insert_or_skip(conn.dialect.name, member_salts, ["member_pk"])
        conn.execute(statement, new_salts(unsalted))
        known = _member_rows(conn, ids)
    leaves = []
    for member_id in ids:
        pk, salt, frozen = known[member_id]
        if salt is None:
            raise CommitmentError(f"member {member_id!r} has no salt")
        address, balance = figures[member_id]
        if balance < 0:
            raise NegativeLeaf(member_id, address, balance)
        leaves.append(MemberLeaf(pk, member_id, salt, address, balance, frozen))
    return leaves


class NodeStore:
    """The stored nodes, read by level (one statement per level and chunk)."""

    def __init__(self, conn: Connection, *, empty: bool = False) -> None:
        self.conn = conn
        self.empty = empty  # nothing stored yet: no reads

    def fetch(self, keys: set[paths.Key]) -> dict[paths.Key, Node]:
        if self.empty or not keys:
            return {}
        found: dict[paths.Key, Node] = {}
        ordered = sorted(keys)
        t = commit_tree_nodes.c
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            by_level: dict[int, list[int]] = {}
            for level, index in chunk:
                by_level.setdefault(level, []).append(index)
            condition = or_(*(and_(t.level == lv, t.idx.in_(ix)) for lv, ix in by_level.items()))
            for level, index, digest, balance in self.conn.execute(
                select(t.level, t.idx, t.hash, t.balance).where(condition)
            ):
                found[(int(level), int(index))] = Node(bytes(digest), int(balance), 0)
        return found

    def write(self, nodes: Mapping[paths.Key, Node]) -> None:
        if not nodes:
            return
        rows = [
            {"level": lv, "idx": ix, "hash": n.hash, "balance": n.balance}
            for (lv, ix), n in sorted(nodes.items())
        ]
        insert = dialect_insert(self.conn.dialect.name, commit_tree_nodes)
        statement = insert.on_conflict_do_update(
            index_elements=["level", "idx"],
            set_={"hash": insert.excluded.hash, "balance": insert.excluded.balance},
        )
        for start in range(0, len(rows), CHUNK):
            self.conn.execute(statement, rows[start : start + CHUNK])


def _floor(conn: Connection, token: str, chain_id: int) -> int:
    """The lowest batch whose requests may still move (not settled); past the newest if none."""
    low = conn.execute(
        select(func.min(mint_batches.c.id)).where(
            mint_batches.c.status.in_((B_PENDING, B_SENT, B_INCLUDED)),
            mint_batches.c.token_address == token,
            mint_batches.c.chain_id == chain_id,
        )
    ).scalar()
    if low is not None:
        return int(low)
    top = conn.execute(select(func.max(mint_batches.c.id))).scalar()
    return int(top or 0) + 1


def move_to(
    engine: Engine, position: int, now: dt.datetime, *, token: str, chain_id: int
) -> Commitment:
    """Brings the stored tree to batch `position` and returns its root (one transaction)."""
    token = token.lower()
    with engine.begin() as conn:
        query = select(commit_tree_state).where(commit_tree_state.c.id == 1)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        state = conn.execute(query).first()
        if state is None:
            changed_ids = None
        else:
            low = min(int(state.position), position, int(state.floor) - 1)
            changed_ids = sorted(
                {
                    m
                    for (m,) in conn.execute(
                        select(chain_requests.c.member_id)
                        .where(chain_requests.c.batch_id > low)
                        .distinct()
                    )
                    if m is not None
                }
            )
        figures = member_figures(conn, position, changed_ids)
        leaves = member_leaves(conn, figures, salt_missing=True)
        store = NodeStore(conn, empty=state is None)
        changes = _leaf_changes(conn, leaves, figures, changed_ids)
        highest = conn.execute(select(func.max(commit_tree_leaves.c.member_pk))).scalar()
        depth = paths.depth_for(None if highest is None else int(highest) - 1)
        top_before = 0 if state is None else int(state.top)
        top = max(top_before, depth)
        written = paths.update(changes, store.fetch, top_before=top_before, top=top)
        store.write(written)
        store.empty = False
        root = written.get((depth, 0)) or paths.root(depth, store.fetch)
        values = {
            "position": position,
            "floor": _floor(conn, token, chain_id),
            "top": top,
            "depth": depth,
            "root": "0x" + root.hash.hex(),
            "supply": root.balance,
            "updated_at": now,
        }
        if state is None:
            conn.execute(commit_tree_state.insert().values(id=1, **values))
        else:
            conn.execute(
                commit_tree_state.update().where(commit_tree_state.c.id == 1).values(**values)
            )
    return Commitment(position, root, depth)


def _leaf_changes(
    conn: Connection,
    leaves: list[MemberLeaf],
    figures: Mapping[str, tuple[str, int]],
    changed_ids: list[str] | None,
) -> dict[int, Node]:
    """Writes the leaves that differ from the stored ones; returns slot → new leaf node. A
    member looked at again who has no counted request any more loses their leaf."""
    t = commit_tree_leaves.c
    stored: dict[int, tuple[str | None, int]] = {}
    pks = [leaf.member_pk for leaf in leaves]
    gone: list[int] = []
    if changed_ids is not None:
        known = _members(conn, [m for m in changed_ids if m not in figures])
        gone = [pk for pk, _ in known.values()]
        for start in range(0, len(pks + gone), CHUNK):
            chunk = (pks + gone)[start : start + CHUNK]
            for pk, address, balance in conn.execute(
                select(t.member_pk, t.address, t.balance).where(t.member_pk.in_(chunk))
            ):
                stored[int(pk)] = (address, int(balance))
    changes: dict[int, Node] = {}
    upserts = []
    for leaf in leaves:
        if stored.get(leaf.member_pk) == (leaf.address, leaf.balance):
            continue
        upserts.append(
            {"member_pk": leaf.member_pk, "address": leaf.address, "balance": leaf.balance}
        )
        changes[leaf.slot] = paths.leaf_node(leaf.leaf())
    removed = [pk for pk in gone if pk in stored]
    for pk in removed:
        changes[pk - 1] = paths.leaf_node(EMPTY_LEAF)
    if removed:
        conn.execute(delete(commit_tree_leaves).where(t.member_pk.in_(removed)))
    if upserts:
        insert = dialect_insert(conn.dialect.name, commit_tree_leaves)
        statement = insert.on_conflict_do_update(
            index_elements=["member_pk"],
            set_={"address": insert.excluded.address, "balance": insert.excluded.balance},
        )
        for start in range(0, len(upserts), CHUNK):
            conn.execute(statement, upserts[start : start + CHUNK])
    return changes


def stored_state(engine: Engine) -> Any | None:
    with engine.connect() as conn:
        return conn.execute(select(commit_tree_state).where(commit_tree_state.c.id == 1)).first()


__all__ = [
    "Commitment",
    "CommitmentError",
    "MemberLeaf",
    "NegativeLeaf",
    "NodeStore",
    "member_figures",
    "member_leaves",
    "move_to",
    "rebuild",
    "stored_state",
]


def rebuild(conn: Connection, position: int) -> tuple[list[MemberLeaf], MerkleSumTree]:
    """The committed tree at batch `position` built from scratch from the outbox (the audit's
    check of the stored one). Members without a salt raise CommitmentError."""
    leaves = member_leaves(conn, member_figures(conn, position), salt_missing=False)
    return leaves, MerkleSumTree.build((leaf.slot, leaf.leaf()) for leaf in leaves)

"""`memberProof`: a member's inclusion proof in the Merkle-sum tree of the ledger (issue 17,
docs/proofs.md), for the member themself (member JWT) or an admin/auditor. The reply, as is,
is what the standalone verifier reads: `python -m verifier.loyalty_verify reply.json --root …`.

Figures are decimal strings (a root's sums can pass 2**53, the most a JavaScript client reads
exactly); the slot is a Long."""

from __future__ import annotations

import weakref
from typing import Any, cast

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.types import Info

from api.auth import require_member_or_admin
from api.context import Context
from api.schema.scalars import Long
from loyalty.services.proofs import ProofBooks, member_proof

# The ledger's tree of each database this process serves, kept between requests.
_BOOKS: weakref.WeakKeyDictionary[AsyncEngine, ProofBooks] = weakref.WeakKeyDictionary()


def proof_books(engine: AsyncEngine) -> ProofBooks:
    books = _BOOKS.get(engine)
    if books is None:
        books = _BOOKS[engine] = ProofBooks()
    return books


@strawberry.type(description="A node of the tree: its hash and the sums beneath it.")
class MerkleNode:
    hash: str = strawberry.field(description="0x + 64 hex digits (SHA-256)")
    balance: str = strawberry.field(description="points beneath, a decimal string")
    debt: str = strawberry.field(description="debt beneath, a decimal string")

    @classmethod
    def of(cls, node: dict[str, Any]) -> MerkleNode:
        return cls(hash=node["hash"], balance=node["balance"], debt=node["debt"])


@strawberry.type(description="A member's leaf.")
class ProofLeaf:
    commitment: str = strawberry.field(description="sha256(salt ‖ utf8(memberId)), 0x-hex")
    address: str | None = strawberry.field(description="the receiving address")
    balance: str
    debt: str


@strawberry.type(
    description=(
        "A member's proof: their leaf, its salt, the sibling of every node on the way up "
        "(leaf first) and the root. Check it with verifier/loyalty_verify.py, which imports "
        "nothing of this service."
    )
)
class MemberProof:
    version: int
    hash: str = strawberry.field(description="the hash function: sha256")
    member_id: str
    salt: str = strawberry.field(description="the member's 32-byte salt, 0x-hex; keep it private")
    slot: Long = strawberry.field(description="the leaf's position; bit i: right child at level i")
    leaf: ProofLeaf
    path: list[MerkleNode]
    root: MerkleNode
    ledger_entry_id: Long | None = strawberry.field(
        description="the last ledger entry the tree includes (null: none yet)"
    )
    pending_chain_requests: int = strawberry.field(
        description=(
            "mints and burns not yet final on chain; 0 means the chain, once indexed, "
            "holds what this root says"
        )
    )
    last_final_batch: Long | None = strawberry.field(
        description="the newest batch final on chain (its row id, as in mintingStatus)"
    )


@strawberry.type
class ProofsQuery:
    @strawberry.field(
        description="A member's proof of inclusion in the ledger's tree (the member, admins, "
        "auditors)."
    )
    async def member_proof(self, info: Info[Context, None], member_id: str) -> MemberProof:
        require_member_or_admin(info.context.principal, member_id)
        runtime = info.context.runtime
        proof = await member_proof(
            runtime.unit_of_work(), proof_books(runtime.async_engine), member_id
        )
        d = proof.document
        leaf = cast(dict[str, Any], d["leaf"])
        return MemberProof(
            version=cast(int, d["version"]),
            hash=cast(str, d["hash"]),
            member_id=cast(str, d["memberId"]),
            salt=cast(str, d["salt"]),
            slot=Long(cast(int, d["slot"])),
            leaf=ProofLeaf(
                commitment=leaf["commitment"],
                address=leaf["address"],
                balance=leaf["balance"],
                debt=leaf["debt"],
            ),
            path=[MerkleNode.of(n) for n in cast(list[dict[str, Any]], d["path"])],
            root=MerkleNode.of(cast(dict[str, Any], d["root"])),
            ledger_entry_id=None if proof.last_entry is None else Long(proof.last_entry),
            pending_chain_requests=proof.chain.pending_requests,
            last_final_batch=(
                None if proof.chain.last_final_batch is None else Long(proof.chain.last_final_batch)
            ),
        )

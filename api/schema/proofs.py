"""`memberProof`: a member's inclusion proof in the Merkle-sum tree of the ledger (issue 17,
docs/proofs.md), for the member themself (member JWT) or an admin/auditor. The reply, as is,
is what the standalone verifier reads: `python -m verifier.loyalty_verify reply.json --rpc …`.

By default the proof is against the newest root committed on chain with a final batch
(minter.committed_proof), with `committed` saying where (batch, transaction, block), so that a
verifier reads the root from the chain rather than from this service. Until a root is committed,
or for a member with no mint or burn in a batch up to it, it is the live tree's (`committed`
null), as it is with `tree: LIVE`.

Figures are decimal strings (a root's sums can pass 2**53, the most a JavaScript client reads
exactly); the slot is a Long."""

from __future__ import annotations

import weakref
from enum import Enum
from typing import Any, cast

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.types import Info

from api.auth import require_member_or_admin
from api.context import Context
from api.schema.scalars import Long
from loyalty.domain.errors import DomainError
from loyalty.domain.merkle_pack import pack
from loyalty.services.members import check_member_id
from loyalty.services.proofs import ProofBooks, chain_position, member_proof
from minter.commitment import CommitmentError
from minter.committed_proof import CommittedProofs

# The ledger's tree of each database this process serves, kept between requests, and the
# committed tree's overlay over the minter's stored one.
_BOOKS: weakref.WeakKeyDictionary[AsyncEngine, ProofBooks] = weakref.WeakKeyDictionary()
_COMMITTED: weakref.WeakKeyDictionary[AsyncEngine, CommittedProofs] = weakref.WeakKeyDictionary()


def proof_books(engine: AsyncEngine) -> ProofBooks:
    books = _BOOKS.get(engine)
    if books is None:
        books = _BOOKS[engine] = ProofBooks()
    return books


class CommittedRootMismatch(DomainError):
    """The books no longer give the root the token accepted: `loyalty audit` says why."""

    code = "COMMITMENT_MISMATCH"


@strawberry.enum(description="Which tree a member proof is in.")
class ProofTree(Enum):
    COMMITTED = "COMMITTED"  # the newest root committed on chain with a final batch
    LIVE = "LIVE"  # the ledger as the database holds it now (debt, points not on chain yet)


@strawberry.type(description="Where a root was committed on chain: a final settle batch.")
class CommittedAt:
    batch: Long = strawberry.field(description="the batch's row id, as in mintingStatus")
    batch_id: str = strawberry.field(description="the on-chain batch id (bytes32, 0x-hex)")
    tx_hash: str = strawberry.field(description="the settle transaction")
    block: Long = strawberry.field(description="the block holding its BatchSettled log")
    root: str = strawberry.field(description="the root committed, 0x-hex")
    supply: str = strawberry.field(
        description="the supply committed (totalSupply() right after the batch), decimal string"
    )


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
    packed: str = strawberry.field(
        description=(
            "the same proof packed as bytes, base64url (about 1.2 KB at 1,000,000 members): "
            "the verifier reads it as is (docs/proofs.md, the packed proof)"
        )
    )
    committed: CommittedAt | None = strawberry.field(
        description=(
            "where the root was committed on chain; null: the proof is in the live tree (nothing "
            "committed yet, the member has no leaf in it, or tree: LIVE was asked)"
        )
    )
    ledger_entry_id: Long | None = strawberry.field(
        description="the last ledger entry the live tree includes (null: none, or committed)"
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
    async def member_proof(
        self,
        info: Info[Context, None],
        member_id: str,
        tree: ProofTree = ProofTree.COMMITTED,
    ) -> MemberProof:
        require_member_or_admin(info.context.principal, member_id)
        runtime = info.context.runtime
        uow = runtime.unit_of_work()
        if tree is ProofTree.COMMITTED:
            proofs = _COMMITTED.get(runtime.async_engine)
            if proofs is None:
                proofs = _COMMITTED[runtime.async_engine] = CommittedProofs()
            found = await _committed(uow, proofs, check_member_id(member_id))
            if found is not None:
                async with uow.read() as conn:
                    position = await chain_position(conn)
                return _reply(found, None, position.pending_requests, position.last_final_batch)
        proof = await member_proof(uow, proof_books(runtime.async_engine), member_id)
        return _reply(
            proof.document,
            proof.last_entry,
            proof.chain.pending_requests,
            proof.chain.last_final_batch,
        )


async def _committed(uow: Any, proofs: CommittedProofs, member_id: str) -> dict[str, Any] | None:
    async with uow.read() as conn:
        try:
            found = await conn.run_sync(proofs.proof, member_id)
            return cast(dict[str, Any] | None, found)
        except CommitmentError as exc:
            raise CommittedRootMismatch(str(exc)) from exc


def _reply(
    d: dict[str, Any], last_entry: int | None, pending: int, last_final: int | None
) -> MemberProof:
    leaf = cast(dict[str, Any], d["leaf"])
    at = cast(dict[str, Any] | None, d.get("committed"))
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
        packed=pack(d),
        committed=None
        if at is None
        else CommittedAt(
            batch=Long(at["batch"]),
            batch_id=at["batchId"],
            tx_hash=at["txHash"],
            block=Long(at["block"]),
            root=at["root"],
            supply=at["supply"],
        ),
        ledger_entry_id=None if last_entry is None else Long(last_entry),
        pending_chain_requests=pending,
        last_final_batch=None if last_final is None else Long(last_final),
    )

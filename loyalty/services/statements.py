"""`memberStatement`: what the service states about a member — their balance, held points and
debt as the ledger holds them now, and the root of the books — for the caller to sign
(loyalty.domain.statement; docs/proofs.md, "Signed statements").

The balance and debt are the member's leaf in the ledger's Merkle-sum tree (the same read as
`memberProof(tree: LIVE)`, so the statement and the proof agree): `publishedRoot` is that
tree's root. Held points (awards not available yet, loyalty.services.holds) are in no balance and
so in no leaf: they are stated beside it. The statement's `root` is the newest one committed on
chain when the caller knows one (the minter's final settle batches: the ledger as the chain holds
it at that batch, debt 0), else the published root; `rootStatus` says which."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from loyalty.domain.statement import COMMITTED, PUBLISHED, Statement
from loyalty.services.holds import held_totals
from loyalty.services.members import find_member, no_member
from loyalty.services.proofs import ProofBooks, member_proof
from loyalty.services.uow import AbstractUnitOfWork


@dataclass(frozen=True)
class CommittedRoot:
    """The newest ledger root the token accepted with a batch, and the block that holds it."""

    root: str  # 0x + 64 hex digits
    block: int


async def member_statement(
    uow: AbstractUnitOfWork,
    books: ProofBooks,
    member_id: str,
    *,
    committed: CommittedRoot | None = None,
) -> Statement:
    """The statement of `member_id` as of now. NotFound for an unknown member."""
    proof = await member_proof(uow, books, member_id)
    leaf = cast(dict[str, Any], proof.document["leaf"])
    async with uow.read() as conn:
        member = await find_member(conn, cast(str, proof.document["memberId"]))
        if member is None:  # pragma: no cover - memberProof has just found them
            raise no_member(member_id)
        held = (await held_totals(conn, [member.pk]))[member.pk]
    root = cast(dict[str, Any], proof.document["root"])
    return Statement(
        member_id=cast(str, proof.document["memberId"]),
        account=leaf["address"],
        balance=int(leaf["balance"]),
        held_points=held,
        debt=int(leaf["debt"]),
        root=committed.root if committed is not None else root["hash"],
        root_status=COMMITTED if committed is not None else PUBLISHED,
        root_block=committed.block if committed is not None else None,
        published_root=root["hash"],
        ledger_entry=proof.last_entry,
        issued_at=int(uow.clock.now().timestamp()),
    )


__all__ = ["CommittedRoot", "member_statement"]

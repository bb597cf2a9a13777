"""`memberStatement`: a member's balance, held points, debt and the root of the books, signed
as EIP-712 typed data by the service's statement key (issue 17, item 6; docs/proofs.md,
"Signed statements"), for the member themself (member JWT) or an admin/auditor. Any wallet
library verifies it: the reply carries the typed-data document as is (`typedData`, the JSON
`eth_signTypedData_v4` takes) beside the signature and the signer's address."""

from __future__ import annotations

import json

import strawberry
from strawberry.types import Info

from api.auth import require_member_or_admin
from api.context import Context
from api.errors import ApiError
from api.schema.proofs import proof_books
from api.schema.scalars import Long
from loyalty.domain.statement import as_json, typed_data
from loyalty.services.statements import CommittedRoot, member_statement
from loyalty.statement_signer import StatementSigner
from minter.status import latest_committed

_SIGNERS: dict[str, StatementSigner] = {}  # by private key: Account.from_key costs ~1 ms


class StatementsUnavailable(ApiError):
    code = "UNAVAILABLE"


def _signer(info: Info[Context, None]) -> StatementSigner:
    config = info.context.config
    if config.statement_missing or not config.statement_key:
        why = config.statement_missing or "LOYALTY_STATEMENT_KEY is not set"
        raise StatementsUnavailable(f"statements are not signed here: {why}")
    key = config.statement_key
    signer = _SIGNERS.get(key)
    if signer is None:
        signer = _SIGNERS[key] = StatementSigner(key)
    return signer


@strawberry.type(
    description=(
        "A member's statement, signed as EIP-712 typed data by the service's statement key "
        "(the token's `statementSigner`). Verify with any wallet library: recover the signer "
        "from `typedData` and `signature` and compare it with `statementSigner()` on chain."
    )
)
class MemberStatement:
    member_id: str
    account: str = strawberry.field(description="the receiving address (zero address: none)")
    balance: str = strawberry.field(description="points, a decimal string")
    held_points: str = strawberry.field(description="points of awards still held (in no balance)")
    debt: str
    root: str = strawberry.field(
        description="0x + 64 hex digits: the newest root committed on chain, else publishedRoot"
    )
    root_status: str = strawberry.field(
        description="'committed on chain', or 'published by the service; not committed on "
        "chain' while no batch has committed one"
    )
    root_block: Long | None = strawberry.field(description="the block that committed the root")
    published_root: str = strawberry.field(
        description="the root of the live tree the figures are in (memberProof(tree: LIVE))"
    )
    ledger_entry_id: Long | None = strawberry.field(
        description="the last ledger entry the figures include"
    )
    issued_at: Long = strawberry.field(description="unix seconds")
    signer: str = strawberry.field(description="the address that signed (checksummed)")
    signature: str = strawberry.field(description="65 bytes r ‖ s ‖ v, 0x-hex")
    typed_data: str = strawberry.field(
        description="the signed EIP-712 document as JSON (integers as decimal strings)"
    )


@strawberry.type
class StatementsQuery:
    @strawberry.field(description="A member's signed statement (the member, admins, auditors).")
    async def member_statement(self, info: Info[Context, None], member_id: str) -> MemberStatement:
        require_member_or_admin(info.context.principal, member_id)
        signer = _signer(info)
        runtime = info.context.runtime
        async with info.context.connection() as conn:
            batch = await latest_committed(conn)
        committed = None if batch is None else CommittedRoot(batch.root, batch.block_number)
        s = await member_statement(
            runtime.unit_of_work(),
            proof_books(runtime.async_engine),
            member_id,
            committed=committed,
        )
        d = runtime.deployment
        document = typed_data(s, d.chain_id, d.address)
        message = document["message"]
        return MemberStatement(
            member_id=s.member_id,
            account=message["account"],
            balance=str(s.balance),
            held_points=str(s.held_points),
            debt=str(s.debt),
            root=s.root,
            root_status=s.root_status,
            root_block=None if s.root_block is None else Long(s.root_block),
            published_root=s.published_root,
            ledger_entry_id=None if s.ledger_entry is None else Long(s.ledger_entry),
            issued_at=Long(s.issued_at),
            signer=signer.address,
            signature=signer.sign(document),
            typed_data=json.dumps(as_json(document), separators=(",", ":")),
        )

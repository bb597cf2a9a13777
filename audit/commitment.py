"""The commitment leg of the audit (issue 17): the latest root the token accepted with a batch
(`BatchSettled`, at or before the audited block) against the ledger's committed tree at that
batch, rebuilt from the outbox (minter.commitment), and the committed supply against
`totalSupply()` at the event's block.

Findings (check COMMITMENT):
- COMMITTED_ROOT_MISMATCH: the root the ledger gives for that batch is not the one on chain (a
  request or batch changed in the database after it was committed, or a root the service never
  computed);
- COMMITTED_SUPPLY_MISMATCH: the supply in the event is not `totalSupply()` right after it (the
  token's guard makes this impossible unless the token is not this contract);
- UNKNOWN_COMMITMENT: the batch id is not one of the ledger's batches;
- REQUEST_MISMATCH: a chain request whose amount is not its ledger entry's delta (names the
  member: a hand-changed outbox row or entry);
- NOT_COMMITTABLE: the ledger cannot be committed as it stands (a request of no member).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, case, select

from audit.finding import Finding
from audit.rpc import RetryPolicy, call_one
from indexer.decode import BATCH_SETTLED, SETTLE, ZERO_ADDRESS
from indexer.rpc import RpcTransport, quantity
from indexer.tables import batch_events, transfers
from loyalty.db.ledger import ledger_entries
from loyalty.db.outbox import MINT as REQUEST_MINT
from loyalty.db.outbox import chain_requests
from loyalty.domain.merkle import MerkleSumTree
from minter.commitment import CommitmentError, MemberLeaf, rebuild
from minter.tables import mint_batches

TOTAL_SUPPLY = "0x18160ddd"
NONE, CLEAN, MISMATCH = "NONE", "CLEAN", "MISMATCH"


@dataclass
class CommitmentCheck:
    status: str = NONE  # NONE: no batch was ever committed at or before the block
    batch_id: str | None = None
    batch: int | None = None  # the ledger's batch row id (the tree's position)
    tx_hash: str | None = None
    block: int | None = None
    root: str | None = None  # read from the chain
    supply: int | None = None  # committed, read from the chain
    chain_supply: int | None = None  # totalSupply() right after the event
    ledger_root: str | None = None  # the committed tree rebuilt from the outbox
    members: int = 0
    findings: list[Finding] = field(default_factory=list)
    # Kept for audit --proofs: the rebuilt tree and its leaves.
    tree: MerkleSumTree | None = field(default=None, repr=False)
    leaves: list[MemberLeaf] = field(default_factory=list, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "batchId": self.batch_id,
            "batch": self.batch,
            "txHash": self.tx_hash,
            "block": self.block,
            "root": self.root,
            "supply": None if self.supply is None else str(self.supply),
            "chainSupply": None if self.chain_supply is None else str(self.chain_supply),
            "ledgerRoot": self.ledger_root,
            "members": self.members,
        }


def latest_settle(conn: Connection, block: int) -> Any | None:
    """The newest indexed BatchSettled at or before `block`."""
    return conn.execute(
        select(batch_events)
        .where(batch_events.c.kind == SETTLE, batch_events.c.block_number <= block)
        .order_by(batch_events.c.block_number.desc(), batch_events.c.log_index.desc())
        .limit(1)
    ).first()


def _event(rpc: RpcTransport, row: Any, policy: RetryPolicy) -> tuple[str, int]:
    """(root, supply) of the indexed BatchSettled `row`, read from its receipt on the node."""
    receipt = call_one(
        rpc,
        "eth_getTransactionReceipt",
        [row.tx_hash],
        what="eth_getTransactionReceipt",
        block=int(row.block_number),
        policy=policy,
    )
    for log in (receipt or {}).get("logs", []):
        topics = log.get("topics") or []
        if int(log["logIndex"], 16) == int(row.log_index) and topics and topics[0] == BATCH_SETTLED:
            data = log["data"][2:]
            return "0x" + data[192:256], int(data[256:320], 16)
    raise CommitmentError(f"the node has no BatchSettled log {row.tx_hash}:{row.log_index}")


def _after_in_block(conn: Connection, row: Any) -> int:
    """Mints minus burns after the event in its own block (they move totalSupply at its end)."""
    net = 0
    for t in conn.execute(
        select(transfers).where(
            transfers.c.block_number == row.block_number,
            transfers.c.log_index > row.log_index,
        )
    ):
        if t.from_address == ZERO_ADDRESS:
            net += int(t.value)
        elif t.to_address == ZERO_ADDRESS:
            net -= int(t.value)
    return net


def request_mismatches(conn: Connection) -> list[Finding]:
    """Chain requests whose signed amount is not their ledger entry's delta."""
    signed = case(
        (chain_requests.c.kind == REQUEST_MINT, chain_requests.c.amount),
        else_=-chain_requests.c.amount,
    )
    rows = conn.execute(
        select(
            chain_requests.c.id,
            chain_requests.c.member_id,
            signed.label("signed"),
            ledger_entries.c.id.label("entry"),
            ledger_entries.c.delta,
        )
        .join(ledger_entries, ledger_entries.c.id == chain_requests.c.ledger_entry_id)
        .where(signed != ledger_entries.c.delta)
        .order_by(chain_requests.c.id)
    )
    return [
        Finding(
            "COMMITMENT",
            "REQUEST_MISMATCH",
            f"member {r.member_id!r}: chain request {r.id} moves {r.signed} points, its ledger "
            f"entry {r.entry} says {r.delta}",
            {"memberId": r.member_id, "request": r.id, "entry": r.entry},
        )
        for r in rows
    ]


def check_commitment(
    engine: Engine, rpc: RpcTransport, token: str, block: int, policy: RetryPolicy | None = None
) -> CommitmentCheck:
    """The latest commitment at or before `block` (indexed) against the ledger and the chain."""
    policy = policy or RetryPolicy()
    check = CommitmentCheck()
    with engine.connect() as conn:
        check.findings += request_mismatches(conn)
        row = latest_settle(conn, block)
        if row is None:
            check.status = MISMATCH if check.findings else NONE
            return check
        check.batch_id, check.tx_hash = row.batch_id, row.tx_hash
        check.block = int(row.block_number)
        batch = conn.execute(
            select(mint_batches.c.id).where(mint_batches.c.batch_id == row.batch_id)
        ).first()
        after = _after_in_block(conn, row)
        if batch is not None:
            check.batch = int(batch.id)
            try:
                check.leaves, check.tree = rebuild(conn, check.batch)
            except CommitmentError as exc:
                check.findings.append(Finding("COMMITMENT", "NOT_COMMITTABLE", str(exc)))
    check.root, check.supply = _event(rpc, row, policy)
    answer = call_one(
        rpc,
        "eth_call",
        [{"to": token, "data": TOTAL_SUPPLY}, hex(check.block)],
        what="eth_call totalSupply",
        block=check.block,
        policy=policy,
    )
    check.chain_supply = quantity(answer, "totalSupply()")
    if batch is None:
        check.findings.append(
            Finding(
                "COMMITMENT",
                "UNKNOWN_COMMITMENT",
                f"root {check.root} was committed on chain with batch {row.batch_id} "
                f"({row.tx_hash}), which is not a batch of this ledger",
                {"batchId": row.batch_id, "txHash": row.tx_hash},
            )
        )
    if check.chain_supply - after != check.supply:
        check.findings.append(
            Finding(
                "COMMITMENT",
                "COMMITTED_SUPPLY_MISMATCH",
                f"batch {row.batch_id} committed supply {check.supply}; totalSupply() right "
                f"after it (block {check.block}) is {check.chain_supply - after}",
                {"committed": str(check.supply), "chain": str(check.chain_supply - after)},
            )
        )
    if check.tree is not None:
        check.members = len(check.leaves)
        check.ledger_root = "0x" + check.tree.root.hash.hex()
        if check.ledger_root != check.root:
            check.findings.append(
                Finding(
                    "COMMITMENT",
                    "COMMITTED_ROOT_MISMATCH",
                    f"batch {row.batch_id} committed root {check.root} (supply {check.supply}); "
                    f"the ledger's tree at that batch is {check.ledger_root} (sum "
                    f"{check.tree.root.balance})",
                    {"committed": check.root, "ledger": check.ledger_root},
                )
            )
    check.status = MISMATCH if check.findings else CLEAN
    return check


__all__ = ["CommitmentCheck", "check_commitment", "latest_settle", "request_mismatches"]

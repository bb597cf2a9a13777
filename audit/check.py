"""The audit at a block B the indexer has passed:

1. every indexed balance equals `balanceOf(address)` at B (batched `eth_call`s);
2. the sum of indexed balances equals `totalSupply()` at B;
3. every on-chain mint/burn batch maps to a ledger batch with equal signed nets per address,
   every final ledger batch is on chain exactly once, every netted ledger batch (its requests
   cancel out, settled without a transaction) nets to zero and is never on chain, every refused
   ledger batch (requests the token refused for their address, taken out of their batch) is never
   on chain, and no mint or burn happened outside a batch (a leaked minter key shows up here).
   Refused batches are listed in the report (`ledger.refused`): they are expected, not findings;
4. every member's receiving address holds what their ledger balance says, beyond what is
   pending (requests not on chain yet or refused, transfers not posted yet):
   MEMBER_BALANCE_MISMATCH;
5. the commitment (audit.commitment): the latest root committed on chain at or before B against
   the ledger's committed tree at that batch, its supply against totalSupply() right after it.

The digest is sha256 over the lines `address:balance` (lower-case 0x-hex address, decimal
balance, holders with a balance > 0 only, sorted by address, joined with "\\n", no trailing
newline, UTF-8): two independent indexers at the same block must print the same digest.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, or_, select

from audit.commitment import CommitmentCheck, check_commitment
from audit.finding import Finding
from audit.ledger import LedgerView
from audit.members import member_findings
from audit.rpc import RetryPolicy, call_all, call_one
from indexer.decode import BURN, MINT, ZERO_ADDRESS
from indexer.errors import NotIndexedYet
from indexer.progress import Progress
from indexer.queries import balances_at_stmt
from indexer.rpc import RpcTransport, quantity
from indexer.tables import batch_events, indexer_state, transfers
from loyalty.metrics import AUDIT_MISMATCHES

BALANCE_OF = "0x70a08231"
TOTAL_SUPPLY = "0x18160ddd"
CHUNK = 500

CLEAN, MISMATCH, NOT_AVAILABLE = "CLEAN", "MISMATCH", "NOT_AVAILABLE"


def digest(balances: dict[str, int]) -> str:
    lines = "\n".join(f"{a.lower()}:{b}" for a, b in sorted(balances.items()) if b > 0)
    return hashlib.sha256(lines.encode()).hexdigest()


@dataclass
class AuditReport:
    block: int
    digest: str
    holders: int
    indexed_supply: int
    chain_supply: int
    findings: list[Finding]
    ledger_status: str
    ledger_reason: str | None = None
    # Ledger batches the token refused (expected off chain): batch id → signed nets per address.
    refused: dict[str, dict[str, int]] = field(default_factory=dict)
    commitment: CommitmentCheck | None = None  # None: not checked (adopted token, no ledger)

    @property
    def clean(self) -> bool:
        """No mismatch. A ledger check that could not run is not a mismatch, but is reported."""
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        return {
            "block": self.block,
            "clean": self.clean,
            "digest": self.digest,
            "holders": self.holders,
            "indexedSupply": str(self.indexed_supply),
            "chainSupply": str(self.chain_supply),
            "ledger": {
                "status": self.ledger_status,
                "reason": self.ledger_reason,
                "refused": [
                    {"batchId": bid, "nets": {a: str(v) for a, v in sorted(nets.items())}}
                    for bid, nets in sorted(self.refused.items())
                ],
            },
            "commitment": None if self.commitment is None else self.commitment.to_json(),
            "findings": [asdict(f) for f in self.findings],
        }


@dataclass
class OnChainBatch:
    batch_id: str
    kind: str
    tx_hash: str
    block_number: int
    nets: dict[str, int]


def onchain_batches(conn: Connection, block: int) -> tuple[list[OnChainBatch], list[Finding]]:
    """Batch events ≤ block with the signed mint/burn nets of their transaction, and the mints
    or burns that belong to no batch. Within a transaction, the mints/burns before a batch event
    (and after the previous one) are that batch's: the contract emits them in that order."""
    events: dict[str, list[tuple[int, str, Any]]] = defaultdict(list)
    for row in conn.execute(select(batch_events).where(batch_events.c.block_number <= block)):
        events[row.tx_hash].append((row.log_index, "batch", row))
    for row in conn.execute(
        select(transfers)
        .where(transfers.c.block_number <= block)
        .where(
            or_(transfers.c.from_address == ZERO_ADDRESS, transfers.c.to_address == ZERO_ADDRESS)
        )
    ):
        events[row.tx_hash].append((row.log_index, "transfer", row))
    batches: list[OnChainBatch] = []
    findings: list[Finding] = []
    for tx_hash, items in events.items():
        items.sort(key=lambda item: item[0])
        pending: list[Any] = []
        for _index, what, row in items:
            if what == "transfer":
                pending.append(row)
                continue
            nets: dict[str, int] = {}
            for t in pending:
                if t.from_address == ZERO_ADDRESS:
                    nets[t.to_address] = nets.get(t.to_address, 0) + t.value
                else:
                    nets[t.from_address] = nets.get(t.from_address, 0) - t.value
            batches.append(OnChainBatch(row.batch_id, row.kind, tx_hash, row.block_number, nets))
            pending = []
        for t in pending:
            kind = MINT if t.from_address == ZERO_ADDRESS else BURN
            holder = t.to_address if kind == MINT else t.from_address
            findings.append(
                Finding(
                    "LEDGER",
                    f"UNBATCHED_{kind}",
                    f"{kind.lower()} of {t.value} for {holder} in {tx_hash} (block "
                    f"{t.block_number}) belongs to no batch: nobody asked for it",
                    {
                        "txHash": tx_hash,
                        "logIndex": t.log_index,
                        "address": holder,
                        "amount": str(t.value),
                        "block": t.block_number,
                    },
                )
            )
    return batches, findings


def ledger_findings(chain: list[OnChainBatch], ledger: dict[str, Any], block: int) -> list[Finding]:
    findings: list[Finding] = []
    seen: dict[str, list[OnChainBatch]] = defaultdict(list)
    for b in chain:
        seen[b.batch_id].append(b)
    for batch_id, landed in seen.items():
        if len(landed) > 1:
            findings.append(
                Finding(
                    "LEDGER",
                    "DUPLICATE_ON_CHAIN",
                    f"batch {batch_id} is on chain {len(landed)} times",
                    {"batchId": batch_id, "txHashes": [b.tx_hash for b in landed]},
                )
            )
        known = ledger.get(batch_id)
        for b in landed:
            if known is not None and known.refused:
                findings.append(
                    Finding(
                        "LEDGER",
                        "REFUSED_ON_CHAIN",
                        f"batch {batch_id} is refused in the ledger (the token refused its "
                        f"requests; never sent) but was used on chain in {b.tx_hash} (block "
                        f"{b.block_number})",
                        {
                            "batchId": batch_id,
                            "txHash": b.tx_hash,
                            "nets": {a: str(v) for a, v in b.nets.items()},
                        },
                    )
                )
                continue
            if known is not None and known.netted:
                findings.append(
                    Finding(
                        "LEDGER",
                        "NETTED_ON_CHAIN",
                        f"batch {batch_id} is netted in the ledger (settled without a "
                        f"transaction) but was used on chain in {b.tx_hash} (block "
                        f"{b.block_number})",
                        {
                            "batchId": batch_id,
                            "txHash": b.tx_hash,
                            "nets": {a: str(v) for a, v in b.nets.items()},
                        },
                    )
                )
                continue
            if known is None:
                findings.append(
                    Finding(
                        "LEDGER",
                        "UNKNOWN_BATCH",
                        f"{b.kind.lower()} batch {batch_id} in {b.tx_hash} "
                        f"(block {b.block_number}) was never issued by the ledger",
                        {
                            "batchId": batch_id,
                            "txHash": b.tx_hash,
                            "nets": {a: str(v) for a, v in b.nets.items()},
                        },
                    )
                )
                continue
            expected = {a: v for a, v in known.nets.items() if v != 0}
            got = {a: v for a, v in b.nets.items() if v != 0}
            if expected != got:
                diff = {
                    a: {"ledger": str(expected.get(a, 0)), "chain": str(got.get(a, 0))}
                    for a in sorted(set(expected) | set(got))
                    if expected.get(a, 0) != got.get(a, 0)
                }
                findings.append(
                    Finding(
                        "LEDGER",
                        "BATCH_MISMATCH",
                        f"batch {batch_id}: on-chain amounts differ from the ledger for "
                        f"{len(diff)} address(es)",
                        {"batchId": batch_id, "txHash": b.tx_hash, "addresses": diff},
                    )
                )
    for batch_id, known in ledger.items():
        if known.netted:
            left = {a: v for a, v in known.nets.items() if v != 0}
            if left:
                findings.append(
                    Finding(
                        "LEDGER",
                        "NETTED_NOT_ZERO",
                        f"ledger batch {batch_id} is netted (sent nowhere) but its requests do "
                        f"not cancel out for {len(left)} address(es)",
                        {"batchId": batch_id, "nets": {a: str(v) for a, v in left.items()}},
                    )
                )
            continue  # expected nowhere on chain; NETTED_ON_CHAIN above if it is
        if known.refused:
            continue  # expected nowhere on chain; REFUSED_ON_CHAIN above if it is
        if not known.final or batch_id in seen:
            continue
        if known.block_number is not None and known.block_number > block:
            continue  # final later than the audited block
        findings.append(
            Finding(
                "LEDGER",
                "MISSING_ON_CHAIN",
                f"ledger batch {batch_id} is final but not on chain at block {block}",
                {"batchId": batch_id, "block": known.block_number},
            )
        )
    return findings


def _call_data_balance_of(address: str) -> str:
    return BALANCE_OF + "0" * 24 + address[2:].lower()


def run_audit(
    engine: Engine,
    rpc: RpcTransport,
    block: int,
    ledger: LedgerView | None = None,
    *,
    progress: Progress | None = None,
    retry: RetryPolicy | None = None,
    issued_here: bool = True,
) -> AuditReport:
    """Audits block `block`. Node calls that fail transiently are retried (`retry`); a node that
    keeps failing raises `AuditRpcFailed` (nothing is concluded, no finding is made up).
    `issued_here` is false for an adopted token (`loyalty deploy --adopt`): its mints are its
    issuer's, not batches of this service, so only the balances and the supply are checked."""
    policy = retry or RetryPolicy()
    with engine.connect() as conn:
        state = conn.execute(select(indexer_state).where(indexer_state.c.id == 1)).first()
        if state is None or block > state.indexed_block:
            reached = "nothing" if state is None else str(state.indexed_block)
            raise NotIndexedYet(f"cannot audit block {block}: the indexer has reached {reached}")
        token = state.token
        indexed = {a: b for a, b in conn.execute(balances_at_stmt(block))}
        chain_batches, unbatched = onchain_batches(conn, block)
    tag = hex(block)
    addresses = sorted(indexed)
    findings: list[Finding] = []
    on_chain: dict[str, int] = {}
    for start in range(0, len(addresses), CHUNK):
        chunk = addresses[start : start + CHUNK]
        answers = call_all(
            rpc,
            [("eth_call", [{"to": token, "data": _call_data_balance_of(a)}, tag]) for a in chunk],
            what="eth_call balanceOf",
            block=block,
            policy=policy,
        )
        for a, answer in zip(chunk, answers, strict=True):
            on_chain[a] = quantity(answer, f"balanceOf({a})")
        if progress is not None:
            progress.update(start + len(chunk), len(addresses), len(chunk))
    if progress is not None:
        progress.finish()
    for a in addresses:
        if on_chain[a] != indexed[a]:
            findings.append(
                Finding(
                    "BALANCE",
                    "BALANCE_MISMATCH",
                    f"{a}: indexed {indexed[a]}, balanceOf {on_chain[a]} at block {block}",
                    {"address": a, "indexed": str(indexed[a]), "chain": str(on_chain[a])},
                )
            )
    supply_call = [{"to": token, "data": TOTAL_SUPPLY}, tag]
    chain_supply = quantity(
        call_one(
            rpc, "eth_call", supply_call, what="eth_call totalSupply", block=block, policy=policy
        ),
        "totalSupply()",
    )
    indexed_supply = sum(indexed.values())
    if indexed_supply != chain_supply:
        findings.append(
            Finding(
                "SUPPLY",
                "SUPPLY_MISMATCH",
                f"indexed balances sum to {indexed_supply}, totalSupply() is {chain_supply} at "
                f"block {block}",
                {"indexed": str(indexed_supply), "chain": str(chain_supply)},
            )
        )
    if not issued_here:
        unbatched, ledger = [], None
        reason: str | None = "an adopted token: this service issues none of it, so no ledger"
    else:
        reason = ledger.unavailable_reason() if ledger is not None else "no ledger given"
    # Mints and burns outside any batch need no ledger to be wrong: always reported.
    findings.extend(unbatched)
    refused: dict[str, dict[str, int]] = {}
    commitment: CommitmentCheck | None = None
    if reason is not None:
        ledger_status = NOT_AVAILABLE
    else:
        assert ledger is not None
        known = ledger.batches()
        ledger_issues = ledger_findings(chain_batches, known, block)
        with engine.connect() as conn:
            ledger_issues += member_findings(
                conn, ledger.positions(block), block, on_chain, indexed
            )
        findings.extend(ledger_issues)
        # A refused batch whose requests were all re-queued holds nothing off chain any more.
        refused = {
            bid: {a: v for a, v in b.nets.items() if v != 0}
            for bid, b in known.items()
            if b.refused and any(b.nets.values())
        }
        ledger_status = MISMATCH if ledger_issues or unbatched else CLEAN
        commitment = check_commitment(engine, rpc, token, block, policy)
        findings.extend(commitment.findings)
    AUDIT_MISMATCHES.set(len(findings))
    return AuditReport(
        block=block,
        digest=digest(indexed),
        holders=sum(1 for b in indexed.values() if b > 0),
        indexed_supply=indexed_supply,
        chain_supply=chain_supply,
        findings=findings,
        ledger_status=ledger_status,
        ledger_reason=reason,
        refused=refused,
        commitment=commitment,
    )

"""The audit's member check: each member's receiving address holds, at the audited block, what
their ledger balance says, beyond what is pending (see member_findings)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, select

from audit.finding import Finding
from audit.ledger import Positions
from indexer.decode import ZERO_ADDRESS
from indexer.tables import indexer_state, transfers


def _moved_between(conn: Connection, low: int, high: int) -> dict[str, int]:
    """Signed Transfer amounts per address in blocks low+1..high, mints and burns left out."""
    moved: dict[str, int] = defaultdict(int)
    rows = conn.execute(
        select(transfers.c.from_address, transfers.c.to_address, transfers.c.value)
        .where(transfers.c.block_number > low, transfers.c.block_number <= high)
        .where(transfers.c.from_address != ZERO_ADDRESS, transfers.c.to_address != ZERO_ADDRESS)
    )
    for source, target, value in rows:
        moved[source] -= value
        moved[target] += value
    return moved


def member_findings(
    conn: Connection,
    positions: Positions,
    block: int,
    on_chain: dict[str, int],
    indexed: dict[str, int],
) -> list[Finding]:
    """Each member's receiving address must hold, at `block`, their ledger balance plus what is
    pending: requests not on chain there yet (burns +, mints -), transfers on chain the ledger
    has not posted yet (blocks after its checkpoint), minus a transfer's shortfall."""
    start = int(conn.scalar(select(indexer_state.c.start_block)) or 0) - 1
    through = start if positions.transfers_through is None else positions.transfers_through
    if through < block:
        unposted = _moved_between(conn, through, block)
    else:  # posted beyond the audited block: not on chain there yet
        unposted = {a: -v for a, v in _moved_between(conn, block, through).items()}
    findings: list[Finding] = []
    for p in positions.members:
        held = on_chain.get(p.address, indexed.get(p.address, 0))
        transfers_pending = unposted.get(p.address, 0)
        expected = p.balance + p.not_on_chain + p.shortfall + transfers_pending
        if expected == held:
            continue
        findings.append(
            Finding(
                "MEMBER",
                "MEMBER_BALANCE_MISMATCH",
                f"member {p.member_id}: the ledger balance {p.balance} (with {p.not_on_chain} "
                f"pending in requests and {transfers_pending} in transfers not posted yet) needs "
                f"{expected} at {p.address}, which holds {held} at block {block}",
                {
                    "memberId": p.member_id,
                    "address": p.address,
                    "ledgerBalance": str(p.balance),
                    "pendingRequests": str(p.not_on_chain),
                    "pendingTransfers": str(transfers_pending),
                    "transferShortfall": str(p.shortfall),
                    "expected": str(expected),
                    "chain": str(held),
                },
            )
        )
    return findings

"""The ledger side of the audit, behind a small Protocol: what the minter says it put on chain.

`SqlLedger` reads the minter's `mint_batches` and the outbox `chain_requests` (linked by
`chain_requests.batch_id → mint_batches.id`) only if those tables exist; without them the ledger
check is "not available", never clean. `InMemoryLedger` serves the unit tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Engine, inspect, select

from loyalty.db.outbox import FINAL as REQUEST_FINAL
from loyalty.db.outbox import MINT as REQUEST_MINT
from loyalty.db.outbox import chain_requests
from minter.tables import B_FINAL, B_NETTED, B_REFUSED, mint_batches


@dataclass(frozen=True)
class LedgerBatch:
    batch_id: str  # 0x-hex bytes32, lower case
    final: bool  # the minter (or one of its requests) says FINAL: expected on chain once
    block_number: int | None  # where the minter saw it land, if it did
    nets: dict[str, int] = field(default_factory=dict)  # address: MINT minus BURN
    # The minter says NETTED: its requests cancel out per address, so it is settled without a
    # transaction and must never be on chain.
    netted: bool = False
    # The minter says REFUSED: the token refused these requests for their addresses; they were
    # taken out of their batch, are never sent, and must never be on chain (their points stay
    # off chain: a refused burn's points are still at the address).
    refused: bool = False


class LedgerView(Protocol):
    def unavailable_reason(self) -> str | None:
        """None when the ledger can be read; else why the ledger check cannot run."""

    def batches(self) -> dict[str, LedgerBatch]:
        """Every batch the minter issued a batchId for, by batchId."""


class InMemoryLedger:
    def __init__(self, batches: Iterable[LedgerBatch] = (), reason: str | None = None) -> None:
        self._batches = {b.batch_id.lower(): b for b in batches}
        self._reason = reason

    def unavailable_reason(self) -> str | None:
        return self._reason

    def batches(self) -> dict[str, LedgerBatch]:
        return dict(self._batches)


class SqlLedger:
    """The minter's batches and the outbox requests they cover, through the minter's own table
    objects and state constants (minter.tables, loyalty.db.outbox)."""

    REQUIRED = (mint_batches.name, chain_requests.name)

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def unavailable_reason(self) -> str | None:
        names = set(inspect(self.engine).get_table_names())
        missing = [t for t in self.REQUIRED if t not in names]
        if missing:
            return f"table {', '.join(missing)} not present (the minter is not installed here)"
        return None

    def batches(self) -> dict[str, LedgerBatch]:
        mb, cr = mint_batches, chain_requests
        ids: dict[int, str] = {}
        status: dict[str, str] = {}
        block: dict[str, int | None] = {}
        nets: dict[str, dict[str, int]] = {}
        final_from_requests: set[str] = set()
        with self.engine.connect() as conn:
            for row in conn.execute(
                select(mb.c.id, mb.c.batch_id, mb.c.status, mb.c.block_number).where(
                    mb.c.batch_id.is_not(None)
                )
            ):
                bid = row.batch_id.lower()
                ids[row.id] = bid
                status[bid], block[bid], nets[bid] = row.status, row.block_number, {}
            for req in conn.execute(
                select(cr.c.batch_id, cr.c.kind, cr.c.address, cr.c.amount, cr.c.status).where(
                    cr.c.batch_id.is_not(None)
                )
            ):
                bid = ids.get(req.batch_id)
                if bid is None:
                    continue  # a request in a batch not yet given its batchId
                address = req.address.lower()
                sign = 1 if req.kind == REQUEST_MINT else -1
                nets[bid][address] = nets[bid].get(address, 0) + sign * int(req.amount)
                if req.status == REQUEST_FINAL:
                    final_from_requests.add(bid)
        found: dict[str, LedgerBatch] = {}
        for bid, state in status.items():
            netted, refused = state == B_NETTED, state == B_REFUSED
            off_chain = netted or refused
            final = not off_chain and (state == B_FINAL or bid in final_from_requests)
            found[bid] = LedgerBatch(bid, final, block[bid], nets[bid], netted, refused)
        return found

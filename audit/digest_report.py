"""The recompute's comparison with this deployment's index: the digest rows the chain's logs
make (audit/digest.py) against the stored digest rows and against the rows the index's own
balance history makes. Three chains that must be one: the first block where any two part is
named, with the balances each side holds there."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from audit.digest import Divergence, Recomputed, first_divergence
from indexer.digest_reads import changes_of, history_digests, stored_digests


@dataclass
class RecomputeReport:
    through: int
    chain: Recomputed
    stored: Divergence | None  # the stored digest rows against the chain's
    history: Divergence | None  # the rows the index's balance history makes against the chain's
    # At the first divergent block: address -> (the chain's balance, the index's history's).
    differences: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return self.stored is None and self.history is None

    @property
    def divergent(self) -> int | None:
        blocks = [d.block for d in (self.stored, self.history) if d is not None]
        return min(blocks) if blocks else None

    def to_json(self) -> dict[str, Any]:
        def side(d: Divergence | None) -> dict[str, Any] | None:
            return None if d is None else {"block": d.block, "index": d.theirs, "chain": d.ours}

        return {
            "through": self.through,
            "clean": self.clean,
            "digest": self.chain.digest(self.through),
            "calls": self.chain.calls,
            "transfers": self.chain.transfers,
            "blocksWithChanges": len(self.chain.rows),
            "storedDigests": side(self.stored),
            "balanceHistory": side(self.history),
            "divergentBlock": self.divergent,
            "differences": [
                {
                    "address": a,
                    "chain": None if c is None else str(c),
                    "index": None if i is None else str(i),
                }
                for a, (c, i) in sorted(self.differences.items())
            ],
        }


def compare_with_index(engine: Engine, chain: Recomputed) -> RecomputeReport:
    """Each of the index's two digest chains through `chain.through` against the chain's."""
    with engine.connect() as conn:
        stored = first_divergence(chain.rows, stored_digests(conn, chain.through))
    with engine.connect() as conn:
        history = first_divergence(
            chain.rows, history_digests(conn, chain.chain_id, chain.token, chain.through)
        )
    report = RecomputeReport(chain.through, chain, stored, history)
    block = report.divergent
    if block is not None:
        with engine.connect() as conn:
            index = dict(changes_of(conn, block))
        ours = dict(chain.changes.get(block, []))
        report.differences = {
            a: (ours.get(a), index.get(a))
            for a in sorted(set(ours) | set(index))
            if ours.get(a) != index.get(a)
        }
    return report

"""The recompute's report: the digest rows the chain's logs make (audit/digest.py) against the
stored digest rows and against the rows the index's own balance history makes. Three chains that
must be one: the first block where any two part is named, with the balances each side holds
there. The comparison itself streams (audit/digest_stream.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from audit.digest import Divergence, RecomputeStats


@dataclass
class RecomputeReport:
    through: int
    chain: RecomputeStats
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
            "digest": self.chain.digest,
            "calls": self.chain.calls,
            "transfers": self.chain.transfers,
            "blocksWithChanges": self.chain.blocks,
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

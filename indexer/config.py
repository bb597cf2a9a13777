"""What the indexer needs to know, and nothing else: the node's URL, the finality depth, the
sizes of its ranges and how it retries and polls. The composition root builds it from the
settings (`IndexerConfig.from_settings`); tests and benchmarks build it directly."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loyalty.settings import Settings


@dataclass(frozen=True)
class IndexerConfig:
    rpc_url: str = ""  # a JSON-RPC node; empty: the embedded chain (see indexer.rpc.rpc_for)
    finality_depth: int = 64  # blocks below the head that count as final without a tag
    initial_range: int = 1_000
    max_range: int = 100_000
    max_logs: int = 10_000
    follow_range: int = 256  # most blocks per step above finality (each header is fetched)
    poll_interval: float = 1.0
    retries: int = 6  # per call, for transport errors and timeouts
    retry_delay: float = 0.2  # doubled on each retry
    balance_cache: int = 250_000  # most balances kept in memory between ranges (~60 MB)
    # PostgreSQL bulk load: during a backfill the two address indexes of transfers are dropped
    # and built once the index reaches finality (also at the first step that finds it there, so
    # a crash while they were dropped heals). A backfill is a range below finality, with more
    # to follow, that holds `bulk_load_events` events or ends `bulk_load_blocks` behind
    # finality; not once `bulk_load_max_events` are stored (building them again costs more).
    bulk_load: bool = True
    bulk_load_events: int = 10_000
    bulk_load_blocks: int = 100_000
    bulk_load_max_events: int = 5_000_000
    # Backfill ranges are read (fetched, parsed, checked, decoded) in a separate process while
    # the current one is stored, for an HTTP node (HttpRpc); in a thread otherwise.
    fetch_process: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> IndexerConfig:
        """The settings the indexer reads (the node's URL and the finality depth); the rest
        keeps its defaults."""
        return cls(rpc_url=settings.rpc_url, finality_depth=settings.finality_depth)

    def with_max_range(self, blocks: int) -> IndexerConfig:
        """At most `blocks` blocks per eth_getLogs call (for nodes with tight limits)."""
        if blocks < 1:
            raise ValueError(f"a range holds at least one block, not {blocks}")
        return replace(
            self,
            initial_range=min(self.initial_range, blocks),
            max_range=blocks,
            follow_range=min(self.follow_range, blocks),
        )

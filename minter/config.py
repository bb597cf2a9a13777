"""What the minter reads, and nothing else: the hot wallet's key, the batch and fee policy, the
polling and retry pace, the finality depth. The composition root builds it once from the
settings (`MinterConfig.from_settings`); the defaults live in the settings table only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loyalty.settings import Settings


@dataclass(frozen=True)
class MinterConfig:
    key: str = field(repr=False)  # the hot wallet's private key, 0x-prefixed hex
    batch_size: int  # most recipients in one batch transaction
    batch_age: dt.timedelta  # how long the oldest pending request waits for a fuller batch
    poll_interval: float  # seconds between two steps
    stuck_blocks: int  # blocks a sent transaction waits before it is replaced
    max_fee_gwei: Decimal  # cap on the max fee per gas, replacements included
    min_priority_fee_gwei: Decimal  # smallest tip offered
    retry: dt.timedelta  # first wait before a refused batch is tried again (then doubled)
    finality_depth: int  # blocks below the head counted final where the node has no tag
    # Each batch a SETTLE: mints, burns and the ledger root with the committed supply, one call.
    commit: bool
    fault: str  # test only: where the minter kills itself (LOYALTY_MINTER_FAULT), or ""

    @classmethod
    def from_settings(cls, settings: Settings) -> MinterConfig:
        """Raises ConfigError for a missing or malformed LOYALTY_MINTER_KEY (on a real node)."""
        return cls(
            key=settings.minter_private_key(),
            batch_size=settings.minter_batch_size,
            batch_age=dt.timedelta(seconds=float(settings.minter_batch_age)),
            poll_interval=float(settings.minter_poll_interval),
            stuck_blocks=settings.minter_stuck_blocks,
            max_fee_gwei=settings.minter_max_fee_gwei,
            min_priority_fee_gwei=settings.minter_min_priority_fee_gwei,
            retry=dt.timedelta(seconds=float(settings.minter_retry_seconds)),
            finality_depth=settings.finality_depth,
            commit=settings.minter_commit,
            fault=settings.minter_fault,
        )

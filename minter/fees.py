"""EIP-1559 fees for the minter's transactions. Pure: no I/O; all amounts in wei (integers)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

GWEI = 10**9
BUMP_PERCENT = 10  # nodes refuse a replacement unless both fees rise by at least 10 %


@dataclass(frozen=True)
class Fees:
    max_fee_per_gas: int
    max_priority_fee_per_gas: int


@dataclass(frozen=True)
class FeePolicy:
    cap: int  # the max fee per gas never exceeds this
    min_tip: int

    @classmethod
    def from_gwei(cls, cap_gwei: object, min_tip_gwei: object) -> FeePolicy:
        return cls(
            cap=int(Decimal(str(cap_gwei)) * GWEI), min_tip=int(Decimal(str(min_tip_gwei)) * GWEI)
        )


def initial_fees(policy: FeePolicy, base_fee: int, suggested_tip: int) -> Fees:
    """Tip: the node's suggestion, at least the minimum; max fee: room for the base fee to
    double, under the cap (a capped fee below the base fee waits until the base fee falls)."""
    tip = min(max(suggested_tip, policy.min_tip), policy.cap)
    max_fee = min(2 * base_fee + tip, policy.cap)
    return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=min(tip, max_fee))


def _raised(value: int) -> int:
    return -(-value * (100 + BUMP_PERCENT) // 100)  # ceiling: 10 % of 1 wei is still 1 wei


def bump_fees(policy: FeePolicy, old: Fees, base_fee: int, suggested_tip: int) -> Fees | None:
    """Fees for a replacement: both raised by at least 10 %, and at least what a fresh
    transaction would offer now; None when the cap leaves no room for a valid replacement."""
    fresh = initial_fees(policy, base_fee, suggested_tip)
    tip = max(_raised(old.max_priority_fee_per_gas), fresh.max_priority_fee_per_gas)
    max_fee = max(_raised(old.max_fee_per_gas), 2 * base_fee + tip)
    max_fee = min(max_fee, policy.cap)
    tip = min(tip, max_fee)
    if max_fee < _raised(old.max_fee_per_gas) or tip < _raised(old.max_priority_fee_per_gas):
        return None
    return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=tip)

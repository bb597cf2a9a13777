"""EIP-1559 fees: a minimum tip, a cap, and replacements raising both fees by at least 10 %."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from minter.fees import GWEI, FeePolicy, Fees, bump_fees, initial_fees
from minter.node import SendOutcome, classify_send_error

POLICY = FeePolicy(cap=500 * GWEI, min_tip=30 * GWEI)


def test_policy_from_gwei_settings() -> None:
    assert FeePolicy.from_gwei("1000", "30") == FeePolicy(cap=1000 * GWEI, min_tip=30 * GWEI)
    assert FeePolicy.from_gwei("0.5", "1.25").min_tip == 1_250_000_000


def test_initial_fees_respect_the_minimum_tip_and_leave_room_for_the_base_fee() -> None:
    fees = initial_fees(POLICY, base_fee=40 * GWEI, suggested_tip=2 * GWEI)
    assert fees == Fees(max_fee_per_gas=110 * GWEI, max_priority_fee_per_gas=30 * GWEI)
    fees = initial_fees(POLICY, base_fee=40 * GWEI, suggested_tip=45 * GWEI)
    assert fees.max_priority_fee_per_gas == 45 * GWEI


def test_initial_fees_are_capped() -> None:
    fees = initial_fees(POLICY, base_fee=400 * GWEI, suggested_tip=0)
    assert fees == Fees(max_fee_per_gas=500 * GWEI, max_priority_fee_per_gas=30 * GWEI)


def test_bump_raises_both_fees_by_ten_percent_and_follows_the_base_fee() -> None:
    old = Fees(max_fee_per_gas=100 * GWEI, max_priority_fee_per_gas=30 * GWEI)
    new = bump_fees(POLICY, old, base_fee=10 * GWEI, suggested_tip=0)
    assert new == Fees(max_fee_per_gas=110 * GWEI, max_priority_fee_per_gas=33 * GWEI)
    new = bump_fees(POLICY, old, base_fee=150 * GWEI, suggested_tip=0)
    assert new == Fees(max_fee_per_gas=333 * GWEI, max_priority_fee_per_gas=33 * GWEI)


def test_bump_rounds_up_on_tiny_fees() -> None:
    policy = FeePolicy(cap=10**6, min_tip=0)
    new = bump_fees(policy, Fees(7, 1), base_fee=0, suggested_tip=0)
    assert new is not None and new.max_fee_per_gas == 8 and new.max_priority_fee_per_gas == 2


def test_no_bump_when_the_cap_leaves_no_room() -> None:
    old = Fees(max_fee_per_gas=480 * GWEI, max_priority_fee_per_gas=30 * GWEI)
    assert bump_fees(POLICY, old, base_fee=300 * GWEI, suggested_tip=0) is None


@given(
    st.integers(1, 10**12), st.integers(0, 10**12), st.integers(0, 10**12), st.integers(0, 10**11)
)
def test_a_bump_is_always_a_valid_replacement_under_the_cap(
    max_fee: int, tip: int, base: int, suggested: int
) -> None:
    tip = min(tip, max_fee)
    policy = FeePolicy(cap=10**13, min_tip=0)
    new = bump_fees(policy, Fees(max_fee, tip), base, suggested)
    if new is None:
        return
    assert new.max_fee_per_gas * 10 >= max_fee * 11
    assert new.max_priority_fee_per_gas * 10 >= tip * 11
    assert new.max_priority_fee_per_gas <= new.max_fee_per_gas <= policy.cap


def test_node_errors_are_classified_whatever_the_client() -> None:
    cases = {
        "nonce too low": SendOutcome.NONCE_TOO_LOW,
        "nonce too low: next nonce 5, tx nonce 4": SendOutcome.NONCE_TOO_LOW,
        "OldNonce": SendOutcome.NONCE_TOO_LOW,
        "already known": SendOutcome.ALREADY_KNOWN,
        "ALREADY_EXISTS: already known": SendOutcome.ALREADY_KNOWN,
        "transaction already imported": SendOutcome.ALREADY_KNOWN,
        "Known transaction (0x12ab)": SendOutcome.ALREADY_KNOWN,
        "replacement transaction underpriced": SendOutcome.UNDERPRICED,
        "max fee per gas less than block base fee": SendOutcome.UNDERPRICED,
        "insufficient funds for gas * price + value": SendOutcome.REJECTED,
    }
    for message, outcome in cases.items():
        assert classify_send_error(message) is outcome, message

"""The audit's ledger check for netted batches (requests that cancel out per address, settled
without a transaction): expected nowhere on chain and at zero per address; anything else is a
finding, never a false MISSING_ON_CHAIN."""

from __future__ import annotations

from audit.check import OnChainBatch, ledger_findings
from audit.ledger import LedgerBatch

A, B = "0x" + "a" * 40, "0x" + "b" * 40


def _codes(chain: list[OnChainBatch], ledger: list[LedgerBatch]) -> list[str]:
    return sorted(f.code for f in ledger_findings(chain, {b.batch_id: b for b in ledger}, 50))


def test_a_netted_batch_off_chain_at_zero_is_clean() -> None:
    netted = LedgerBatch("0x01", False, None, {A: 0, B: 0}, netted=True)
    assert _codes([], [netted]) == []
    # Beside a final batch that did land: still clean.
    final = LedgerBatch("0x02", True, 10, {A: 5})
    assert _codes([OnChainBatch("0x02", "MINT", "0xt", 10, {A: 5})], [netted, final]) == []


def test_a_netted_batch_that_does_not_cancel_out_is_reported() -> None:
    [finding] = ledger_findings(
        [], {"0x01": LedgerBatch("0x01", False, None, {A: 0, B: -3}, netted=True)}, 50
    )
    assert finding.code == "NETTED_NOT_ZERO"
    assert finding.detail == {"batchId": "0x01", "nets": {B: "-3"}}


def test_a_netted_batch_id_used_on_chain_is_reported_once() -> None:
    netted = LedgerBatch("0x01", False, None, {A: 0}, netted=True)
    landed = OnChainBatch("0x01", "MINT", "0xt", 12, {A: 4})
    findings = ledger_findings([landed], {"0x01": netted}, 50)
    assert [f.code for f in findings] == ["NETTED_ON_CHAIN"]
    assert findings[0].detail["txHash"] == "0xt"


def test_a_final_batch_with_no_transaction_is_still_missing_on_chain() -> None:
    # What the minter used to record for a netted batch: the audit rightly calls it missing.
    assert _codes([], [LedgerBatch("0x01", True, None, {A: 0})]) == ["MISSING_ON_CHAIN"]

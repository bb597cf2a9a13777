"""The audit's ledger check for refused batches (requests the token refused for their address,
taken out of their batch): expected nowhere on chain, never a false MISSING_ON_CHAIN, and a
refused amount that did reach the chain anyway is a finding."""

from __future__ import annotations

from audit.check import OnChainBatch, ledger_findings
from audit.ledger import LedgerBatch

A, B = "0x" + "a" * 40, "0x" + "b" * 40


def _codes(chain: list[OnChainBatch], ledger: list[LedgerBatch]) -> list[str]:
    return sorted(f.code for f in ledger_findings(chain, {b.batch_id: b for b in ledger}, 50))


def test_a_refused_batch_off_chain_beside_the_batch_that_went_on_is_clean() -> None:
    refused = LedgerBatch("0x01", False, None, {A: -100}, refused=True)
    rest = LedgerBatch("0x02", True, 10, {B: -60})
    assert _codes([OnChainBatch("0x02", "BURN", "0xt", 10, {B: -60})], [refused, rest]) == []
    assert _codes([], [refused]) == []  # not MISSING_ON_CHAIN: never meant to go


def test_a_refused_batch_id_used_on_chain_is_reported() -> None:
    refused = LedgerBatch("0x01", False, None, {A: -100}, refused=True)
    findings = ledger_findings(
        [OnChainBatch("0x01", "BURN", "0xt", 12, {A: -100})], {"0x01": refused}, 50
    )
    assert [f.code for f in findings] == ["REFUSED_ON_CHAIN"]
    assert findings[0].detail == {"batchId": "0x01", "txHash": "0xt", "nets": {A: "-100"}}


def test_a_refused_request_burned_with_the_rest_is_a_batch_mismatch() -> None:
    # The batch that went on carries only the rest: a burn of the refused address in it (the
    # database says refused, the chain says burned) is never hidden by the refusal.
    refused = LedgerBatch("0x01", False, None, {A: -100}, refused=True)
    rest = LedgerBatch("0x02", True, 10, {B: -60})
    landed = OnChainBatch("0x02", "BURN", "0xt", 10, {A: -100, B: -60})
    findings = ledger_findings([landed], {"0x01": refused, "0x02": rest}, 50)
    assert [f.code for f in findings] == ["BATCH_MISMATCH"]
    assert findings[0].detail["addresses"] == {A: {"ledger": "0", "chain": "-100"}}

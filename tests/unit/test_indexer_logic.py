"""Pure logic of the indexer: decoding, bloom, ranges, finality, amounts, the ledger audit."""

from __future__ import annotations

import hashlib

import pytest
from eth_utils import keccak

from audit.check import OnChainBatch, digest, ledger_findings
from audit.ledger import InMemoryLedger, LedgerBatch
from indexer.decode import (
    BATCH_BURNED,
    BATCH_MINTED,
    BATCH_SETTLED,
    TRANSFER,
    bloom_may_contain,
    decode_logs,
)
from indexer.errors import NodeInconsistent, RpcError, TooManyResults
from indexer.finality import Finality
from indexer.ranges import AdaptiveRange
from indexer.rpc import error_from_reply

TOKEN = "0x" + "aa" * 20
A, B = "0x" + "01" * 20, "0x" + "02" * 20


def _log(topics, data, block=5, index=0, bhash="0x" + "11" * 32, address=TOKEN):
    return {
        "address": address,
        "topics": topics,
        "data": data,
        "blockNumber": hex(block),
        "blockHash": bhash,
        "transactionHash": "0x" + "cc" * 32,
        "logIndex": hex(index),
        "removed": False,
    }


def _pad(address: str) -> str:
    return "0x" + "0" * 24 + address[2:]


def test_topics_are_the_event_signatures() -> None:
    assert "0x" + keccak(text="Transfer(address,address,uint256)").hex() == TRANSFER
    assert "0x" + keccak(text="BatchMinted(bytes32,uint256,uint256)").hex() == BATCH_MINTED
    assert "0x" + keccak(text="BatchBurned(bytes32,uint256,uint256)").hex() == BATCH_BURNED
    settled = "BatchSettled(bytes32,uint256,uint256,uint256,bytes32,uint256)"
    assert "0x" + keccak(text=settled).hex() == BATCH_SETTLED


def test_decodes_a_settle_as_one_batch_of_its_minted_and_burned_points() -> None:
    words = [3, 12, 5, int("ab" * 32, 16), 40]
    data = "0x" + "".join(f"{w:064x}" for w in words)
    decoded = decode_logs([_log([BATCH_SETTLED, "0x" + "ee" * 32], data)], TOKEN, 1, 9)
    b = decoded.batches[0]
    assert (b.kind, b.count, b.total, b.batch_id) == ("SETL", 3, 17, "0x" + "ee" * 32)
    with pytest.raises(NodeInconsistent):
        decode_logs([_log([BATCH_SETTLED, "0x" + "ee" * 32], data[:-64])], TOKEN, 1, 9)


def test_decodes_transfers_and_batches_including_huge_amounts() -> None:
    huge = 2**256 - 1
    logs = [
        _log([TRANSFER, _pad(A), _pad(B)], "0x" + f"{huge:064x}"),
        _log([BATCH_MINTED, "0x" + "ee" * 32], "0x" + f"{2:064x}" + f"{30:064x}", index=1),
    ]
    decoded = decode_logs(logs, TOKEN, 1, 9)
    t = decoded.transfers[0]
    assert (t.from_address, t.to_address, t.value) == (A, B, huge)
    b = decoded.batches[0]
    assert (b.kind, b.count, b.total, b.batch_id) == ("MINT", 2, 30, "0x" + "ee" * 32)


@pytest.mark.parametrize(
    "log",
    [
        _log([TRANSFER, _pad(A), _pad(B)], "0x" + "0" * 64, address="0x" + "bb" * 20),
        _log([TRANSFER, _pad(A), _pad(B)], "0x" + "0" * 64, block=10),
        _log([TRANSFER, _pad(A)], "0x" + "0" * 64),
        {**_log([TRANSFER, _pad(A), _pad(B)], "0x" + "0" * 64), "removed": True},
        {"topics": []},
    ],
)
def test_refuses_what_the_node_should_not_have_sent(log) -> None:
    with pytest.raises(NodeInconsistent):
        decode_logs([log], TOKEN, 1, 9)


def test_refuses_two_hashes_for_one_block() -> None:
    logs = [
        _log([TRANSFER, _pad(A), _pad(B)], "0x" + "0" * 64),
        _log([TRANSFER, _pad(A), _pad(B)], "0x" + "0" * 64, index=1, bhash="0x" + "22" * 32),
    ]
    with pytest.raises(NodeInconsistent, match="two block hashes"):
        decode_logs(logs, TOKEN, 1, 9)


def test_bloom() -> None:
    bloom = 0
    for item in (bytes.fromhex(TOKEN[2:]), bytes.fromhex(TRANSFER[2:])):
        d = keccak(item)
        for i in (0, 2, 4):
            bloom |= 1 << (((d[i] << 8) | d[i + 1]) & 0x7FF)
    text = "0x" + f"{bloom:0512x}"
    assert bloom_may_contain(text, bytes.fromhex(TOKEN[2:]), bytes.fromhex(TRANSFER[2:]))
    assert not bloom_may_contain("0x" + "0" * 512, bytes.fromhex(TOKEN[2:]))


def test_adaptive_range_grows_shrinks_and_follows_hints() -> None:
    r = AdaptiveRange(size=100, maximum=1000, max_logs=1000)
    r.succeeded(100, 10)
    assert r.size == 200
    assert r.refused(200) and r.size == 100
    assert r.refused(100, hint=(5, 14)) and r.size == 10
    r.succeeded(10, 5000)
    assert r.size == 5
    small = AdaptiveRange(size=1)
    assert not small.refused(1)


def test_too_many_results_errors_are_recognised_with_hints() -> None:
    err = error_from_reply(
        "eth_getLogs",
        {
            "code": -32602,
            "message": "Log response size exceeded. this block range should work: [0x10, 0x1f]",
        },
    )
    assert isinstance(err, TooManyResults) and err.hint == (16, 31)
    assert isinstance(
        error_from_reply("eth_getLogs", {"code": -32005, "message": "x"}), TooManyResults
    )
    other = error_from_reply("eth_call", {"code": 3, "message": "execution reverted"})
    assert type(other) is RpcError


def test_finality_uses_the_tag_then_falls_back_to_depth() -> None:
    f = Finality(depth=10)
    assert f.finalized(100, {"number": hex(90)}) == 90
    assert f.tag_supported
    g = Finality(depth=10)
    assert g.finalized(100, RpcError("unknown block tag")) == 90
    assert g.calls() == []
    assert g.finalized(5) == -1


def test_digest_is_documented_form() -> None:
    balances = {B: 5, A: 7, "0x" + "03" * 20: 0}
    expected = hashlib.sha256(f"{A}:7\n{B}:5".encode()).hexdigest()
    assert digest(balances) == expected


def test_ledger_findings() -> None:
    chain = [
        OnChainBatch("0x01", "MINT", "0xt1", 10, {A: 5, B: 3}),
        OnChainBatch("0x02", "MINT", "0xt2", 11, {A: 9}),  # amounts differ
        OnChainBatch("0x03", "MINT", "0xt3", 12, {B: 1}),  # never issued
    ]
    ledger = InMemoryLedger(
        [
            LedgerBatch("0x01", True, 10, {A: 5, B: 3}),
            LedgerBatch("0x02", True, 11, {A: 8}),
            LedgerBatch("0x04", True, 12, {A: 1}),  # final but not on chain
            LedgerBatch("0x05", True, 99, {A: 1}),  # final after the audited block
            LedgerBatch("0x06", False, None, {A: 1}),  # not final yet
        ]
    )
    codes = sorted(f.code for f in ledger_findings(chain, ledger.batches(), 20))
    assert codes == ["BATCH_MISMATCH", "MISSING_ON_CHAIN", "UNKNOWN_BATCH"]
    clean = ledger_findings(
        chain[:1], InMemoryLedger([LedgerBatch("0x01", True, 10, {A: 5, B: 3})]).batches(), 20
    )
    assert clean == []
    twice = ledger_findings(
        [chain[0], chain[0]], {"0x01": LedgerBatch("0x01", True, 10, {A: 5, B: 3})}, 20
    )
    assert [f.code for f in twice] == ["DUPLICATE_ON_CHAIN"]

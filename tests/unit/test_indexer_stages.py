"""Pure logic of the indexer's stages: which stage a step takes, the config the composition root
builds, the realtime checks (headers, log hashes, blooms, reorg walk-back and depth) and the
historical ones (balance cache, bulk-load choice, final ranges and what the worker sends)."""

from __future__ import annotations

import pickle
from dataclasses import replace
from typing import Any

import pytest
from eth_utils import keccak
from sqlalchemy import create_engine

from indexer.config import IndexerConfig
from indexer.decode import TRANSFER, Block, Decoded, Transfer
from indexer.errors import DeepReorg, NodeInconsistent
from indexer.fetch_worker import _pack, _unpack, read_final_range
from indexer.historical import BalanceCache, bulk_load_starts
from indexer.queries import State
from indexer.ranges import AdaptiveRange
from indexer.reader import NodeReader
from indexer.realtime import (
    Header,
    Realtime,
    check_block_hashes,
    check_reorg_depth,
    first_still_there,
    merged,
    parse_headers,
    tip_replaced,
    to_ask_again,
)
from indexer.sync import Stage, choose_stage
from loyalty.settings import Settings

TOKEN = "0x" + "aa" * 20
A, B = "0x" + "01" * 20, "0x" + "02" * 20


def _hash(n: int) -> str:
    return "0x" + f"{n:064x}"


def _bloom(*items: bytes) -> str:
    bits = 0
    for item in items:
        digest = keccak(item)
        for i in (0, 2, 4):
            bits |= 1 << (((digest[i] << 8) | digest[i + 1]) & 0x7FF)
    return "0x" + f"{bits:0512x}"


HAS_OURS = _bloom(bytes.fromhex(TOKEN[2:]), bytes.fromhex(TRANSFER[2:]))
EMPTY_BLOOM = "0x" + "0" * 512


def _answer(n: int, parent: int | None = None, bloom: str | None = EMPTY_BLOOM) -> dict[str, Any]:
    return {
        "number": hex(n),
        "hash": _hash(n).upper().replace("0X", "0x"),  # the node's case is not ours
        "parentHash": _hash(n - 1 if parent is None else parent),
        "logsBloom": bloom,
    }


def _transfer(n: int, index: int = 0, block_hash: str | None = None) -> Transfer:
    return Transfer(n, block_hash or _hash(n), "0x" + "cc" * 32, index, A, B, 5)


def _state(indexed: int, finalized: int | None) -> State:
    return State(1, TOKEN, 0, indexed, _hash(indexed), indexed, finalized, 0, 0, 0, None)


# -- stage choice ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "head", "finalized", "stage"),
    [
        (11, 10, 5, Stage.CAUGHT_UP),  # nothing new
        (11, 10, 10, Stage.CAUGHT_UP),
        (6, 10, 5, Stage.REALTIME),  # the next block is above finality
        (10, 10, 5, Stage.REALTIME),
        (5, 10, 5, Stage.HISTORICAL),  # the next block is final
        (0, 10, -1, Stage.REALTIME),  # a young chain: nothing final yet
        (0, 100, 36, Stage.HISTORICAL),
    ],
)
def test_a_step_follows_the_head_above_finality_and_backfills_below(
    first: int, head: int, finalized: int, stage: Stage
) -> None:
    assert choose_stage(first, head, finalized) is stage


# -- config ------------------------------------------------------------------------------------


def test_the_config_takes_the_node_and_the_finality_depth_from_the_settings() -> None:
    config = IndexerConfig.from_settings(Settings(rpc_url="http://node:8545", finality_depth=256))
    assert (config.rpc_url, config.finality_depth) == ("http://node:8545", 256)
    assert config.max_range == IndexerConfig().max_range  # the rest keeps its defaults


def test_a_max_range_caps_every_range() -> None:
    config = IndexerConfig(finality_depth=7).with_max_range(100)
    assert (config.initial_range, config.max_range, config.follow_range) == (100, 100, 100)
    assert config.finality_depth == 7
    wide = IndexerConfig().with_max_range(500_000)
    assert (wide.initial_range, wide.max_range, wide.follow_range) == (1_000, 500_000, 256)
    with pytest.raises(ValueError, match="at least one block"):
        IndexerConfig().with_max_range(0)


# -- headers -----------------------------------------------------------------------------------


def test_headers_are_typed_lower_case_and_form_one_chain_on_the_tip() -> None:
    headers = parse_headers(5, [_answer(5), _answer(6, bloom=None)], _hash(4))
    assert headers == [
        Header(5, _hash(5), _hash(4), EMPTY_BLOOM),
        Header(6, _hash(6), _hash(5), None),
    ]
    assert headers[1].block == Block(6, _hash(6), _hash(5))
    assert parse_headers(0, [_answer(0)], None)[0].number == 0  # nothing stored: any parent


def test_a_header_that_does_not_extend_the_one_before_is_refused() -> None:
    with pytest.raises(NodeInconsistent, match="block 5 does not extend"):
        parse_headers(5, [_answer(5)], _hash(99))
    with pytest.raises(NodeInconsistent, match="block 6 does not extend"):
        parse_headers(5, [_answer(5), _answer(6, parent=3)], _hash(4))


@pytest.mark.parametrize("answer", [None, {}, {"hash": None}, "0x1"])
def test_a_missing_header_is_refused(answer: Any) -> None:
    with pytest.raises(NodeInconsistent, match="the node has no block 6"):
        parse_headers(5, [_answer(5), answer], None)


def test_the_stored_tip_is_replaced_unless_the_node_answers_its_hash() -> None:
    tip = _hash(7)
    assert not tip_replaced({"hash": tip.upper().replace("0X", "0x")}, tip)
    assert tip_replaced({"hash": _hash(8)}, tip)
    assert tip_replaced({}, tip)
    assert tip_replaced(None, tip)  # the block is gone


# -- logs against headers ----------------------------------------------------------------------


def test_logs_must_name_their_blocks_hash() -> None:
    headers = parse_headers(5, [_answer(5), _answer(6), _answer(7)], None)
    decoded = Decoded([_transfer(5), _transfer(7, 1)], [])
    assert check_block_hashes(decoded, headers) == {5, 7}
    with pytest.raises(NodeInconsistent, match="names block hash"):
        check_block_hashes(Decoded([_transfer(6, block_hash=_hash(66))], []), headers)


def test_a_block_whose_bloom_has_our_transfers_but_no_logs_is_asked_again() -> None:
    other = _bloom(bytes.fromhex("bb" * 20), bytes.fromhex(TRANSFER[2:]))
    headers = [
        Header(5, _hash(5), _hash(4), HAS_OURS),  # has logs: fine
        Header(6, _hash(6), _hash(5), HAS_OURS),  # none came: ask again
        Header(7, _hash(7), _hash(6), other),  # another token's transfers
        Header(8, _hash(8), _hash(7), EMPTY_BLOOM),
        Header(9, _hash(9), _hash(8), None),  # no bloom: nothing to go by
    ]
    token = bytes.fromhex(TOKEN[2:])
    assert [h.number for h in to_ask_again(headers, {5}, token)] == [6]


def test_merged_logs_are_in_chain_order() -> None:
    got = merged(Decoded([_transfer(5, 0), _transfer(7, 0)], []), Decoded([_transfer(5, 3)], []))
    assert [(t.block_number, t.log_index) for t in got.transfers] == [(5, 0), (5, 3), (7, 0)]


class _Node:
    """A node for the realtime stage: headers 5..7, all with our bloom; eth_getLogs by range
    misses block 6's log, which a query by its hash returns."""

    def __init__(self) -> None:
        self.by_hash: list[str] = []

    def _log(self, n: int) -> dict[str, Any]:
        return {
            "address": TOKEN,
            "topics": [TRANSFER, "0x" + "0" * 24 + A[2:], "0x" + "0" * 24 + B[2:]],
            "data": "0x" + f"{5:064x}",
            "blockNumber": hex(n),
            "blockHash": _hash(n),
            "transactionHash": "0x" + f"{n:064x}",
            "logIndex": "0x0",
            "removed": False,
        }

    def call(self, method: str, params: list[Any]) -> Any:
        return self.batch([(method, params)])[0]

    def batch(self, calls: Any) -> list[Any]:
        out = []
        for method, params in calls:
            if method == "eth_getBlockByNumber":
                out.append(_answer(int(params[0], 16), bloom=HAS_OURS))
            elif "blockHash" in params[0]:
                self.by_hash.append(params[0]["blockHash"])
                out.append([self._log(int(params[0]["blockHash"], 16))])
            else:
                out.append([self._log(5), self._log(7)])
        return out

    def close(self) -> None:
        pass


def test_a_log_missed_by_the_range_query_is_fetched_by_block_hash() -> None:
    """Blocks 5 and 7 come with the range; 6 only when asked by hash. The blocks that did
    come are not asked again (nor are they asked for ever)."""
    node = _Node()
    recorded: list[list[Any]] = []
    reader = NodeReader(node, TOKEN, AdaptiveRange(), retries=0, retry_delay=0)
    stage = Realtime(create_engine("sqlite://"), reader, recorded.extend)
    got = stage.read(5, 7, _hash(4))
    assert [t.block_number for t in got.decoded.transfers] == [5, 6, 7]
    assert node.by_hash == [_hash(6)]
    assert [b.number for b in got.blocks] == [5, 6, 7]
    assert len(recorded) == 2  # the range query and the one by hash


# -- reorgs ------------------------------------------------------------------------------------


def test_the_walk_back_stops_at_the_newest_block_the_node_still_has() -> None:
    stored = [Block(n, _hash(n), _hash(n - 1)) for n in (9, 8, 7)]
    answers = [{"hash": _hash(90)}, None, {"hash": _hash(7)}]
    assert first_still_there(stored, answers) == stored[2]
    assert first_still_there(stored, [{"hash": _hash(90)}, None, {}]) is None


def test_a_reorg_at_or_below_finality_stops_the_indexer() -> None:
    ancestor = Block(7, _hash(7), _hash(6))
    assert check_reorg_depth(_state(9, finalized=7), ancestor) is ancestor
    assert check_reorg_depth(_state(9, finalized=None), ancestor) is ancestor
    with pytest.raises(DeepReorg, match="common ancestor block 7"):
        check_reorg_depth(_state(9, finalized=8), ancestor)
    with pytest.raises(DeepReorg, match="below the retained blocks"):
        check_reorg_depth(_state(9, finalized=None), None)


# -- historical --------------------------------------------------------------------------------


def test_balances_are_kept_for_exactly_the_checkpoint_they_were_committed_at() -> None:
    cache = BalanceCache(limit=3)
    at_5 = _state(5, finalized=5)
    assert cache.take(at_5) is None  # nothing known yet
    cache.keep(None, {A: 10}, at_5)
    known = cache.take(at_5)
    assert known == {A: 10}
    assert cache.take(at_5) is None  # unknown until the next range is kept
    at_6 = _state(6, finalized=6)
    cache.keep(known, {B: 2}, at_6)
    assert cache.take(_state(5, finalized=5)) is None  # another checkpoint (a reorg, a writer)
    cache.keep(None, {A: 1}, at_6)
    assert cache.take(replace(at_6, indexed_hash=_hash(66))) is None  # same block, other hash


def test_balances_beyond_the_limit_start_afresh() -> None:
    cache = BalanceCache(limit=2)
    at_5, at_6 = _state(5, finalized=5), _state(6, finalized=6)
    cache.keep(None, {A: 1, B: 2}, at_5)
    known = cache.take(at_5)
    cache.keep(known, {"0x" + "03" * 20: 3}, at_6)
    assert cache.take(at_6) == {"0x" + "03" * 20: 3}


@pytest.mark.parametrize(
    ("changes", "dialect", "starts"),
    [
        ({}, "postgresql", True),  # a range of 10,000 events
        ({}, "sqlite", False),  # only PostgreSQL drops indexes
        ({"bulk_load": False}, "postgresql", False),
        ({"indexes": False}, "postgresql", False),  # dropped already
        ({"indexes": True}, "postgresql", True),
        ({"stored_events": 5_000_000}, "postgresql", False),  # too much stored to rebuild
        ({"events": 9_999}, "postgresql", False),  # a small range close to finality
        ({"events": 1, "last": 0, "finalized": 100_000}, "postgresql", True),  # far behind
        ({"events": 1, "last": 1, "finalized": 100_000}, "postgresql", False),
    ],
)
def test_a_backfill_drops_the_bulk_load_indexes(
    changes: dict[str, Any], dialect: str, starts: bool
) -> None:
    args: dict[str, Any] = {
        "indexes": None,
        "stored_events": 0,
        "events": 10_000,
        "last": 99,
        "finalized": 100,
    }
    args.update((k, v) for k, v in changes.items() if k != "bulk_load")
    config = IndexerConfig(bulk_load=changes.get("bulk_load", True))
    assert bulk_load_starts(config, dialect, **args) is starts


class _FinalNode(_Node):
    """eth_getLogs by range answers blocks 5 and 7; block 7 is the range's last block."""

    def __init__(self, anchor_hash: str | None = None) -> None:
        super().__init__()
        self.anchor_hash = anchor_hash

    def batch(self, calls: Any) -> list[Any]:
        out = super().batch(calls)
        if calls[0][0] == "eth_getBlockByNumber" and self.anchor_hash is not None:
            out[0]["hash"] = self.anchor_hash
        return out


def test_a_final_range_is_anchored_on_its_last_block() -> None:
    reader = NodeReader(_FinalNode(), TOKEN, AdaptiveRange(size=3), retries=0, retry_delay=0)
    final = read_final_range(reader, 5, 100)
    assert final.last == 7
    assert [t.block_number for t in final.decoded.transfers] == [5, 7]
    assert final.blocks == [Block(7, _hash(7), _hash(6))]
    assert final.logs_calls[0][0]["fromBlock"] == "0x5"
    assert final.logs_calls[0][0]["toBlock"] == "0x7"


def test_a_final_range_whose_last_logs_name_another_hash_is_refused() -> None:
    node = _FinalNode(anchor_hash=_hash(77))
    reader = NodeReader(node, TOKEN, AdaptiveRange(size=3), retries=0, retry_delay=0)
    with pytest.raises(NodeInconsistent, match="but block 7 is"):
        read_final_range(reader, 5, 100)


def test_what_the_worker_sends_unpacks_to_the_same_range() -> None:
    reader = NodeReader(_FinalNode(), TOKEN, AdaptiveRange(size=3), retries=0, retry_delay=0)
    final = read_final_range(reader, 5, 100)
    again = pickle.loads(pickle.dumps(_pack(final), protocol=5))
    assert _unpack(again) == final


@pytest.mark.parametrize("answer", [{"hash": "0xab"}, {"hash": "0xab", "parentHash": None}])
def test_a_header_without_its_parent_hash_is_the_nodes_fault_not_a_crash(answer: Any) -> None:
    with pytest.raises(NodeInconsistent, match="header of block 6 has no parentHash"):
        parse_headers(5, [_answer(5), answer], None)

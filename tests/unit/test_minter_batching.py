"""Batching and netting: what goes on chain for a batch equals the requests it covers."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minter.batching import (
    BURN,
    MINT,
    Request,
    batch_entries,
    derive_batch_id,
    is_ready,
    plan_batches,
)

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
A, B, C = "0x" + "a" * 40, "0x" + "b" * 40, "0x" + "c" * 40
TOKEN = "0x" + "1" * 40


def req(i: int, kind: str, address: str, amount: int, age: float = 0) -> Request:
    return Request(i, kind, address, amount, T0 - dt.timedelta(seconds=age))


def test_mints_and_burns_of_one_address_are_netted_into_one_entry() -> None:
    plans = plan_batches(
        [req(1, MINT, A, 10), req(2, BURN, A, 3), req(3, MINT, B, 4), req(4, BURN, C, 6)],
        max_recipients=200,
    )
    assert [(p.kind, p.entries, p.request_ids) for p in plans] == [
        (MINT, [(A, 7), (B, 4)], [1, 2, 3]),
        (BURN, [(C, 6)], [4]),
    ]


def test_net_burn_goes_into_a_burn_batch() -> None:
    [plan] = plan_batches([req(1, MINT, A, 3), req(2, BURN, A, 10)], max_recipients=5)
    assert (plan.kind, plan.entries, plan.request_ids) == (BURN, [(A, 7)], [1, 2])


def test_zero_net_requests_form_one_netted_batch_that_sends_nothing() -> None:
    plans = plan_batches([req(1, MINT, A, 5), req(2, BURN, A, 5)], max_recipients=5)
    assert [(p.kind, p.entries, p.request_ids, p.netted) for p in plans] == [
        (MINT, [], [1, 2], True)
    ]
    plans = plan_batches(
        [req(1, MINT, A, 5), req(2, MINT, B, 1), req(3, BURN, A, 5), req(4, BURN, C, 2),
         req(5, MINT, C, 2)],
        max_recipients=5,
    )  # fmt: skip
    assert [(p.entries, p.request_ids, p.netted) for p in plans] == [
        ([(B, 1)], [2], False),
        ([], [1, 3, 4, 5], True),
    ]


def test_batches_hold_at_most_max_recipients() -> None:
    requests = [req(i, MINT, f"0x{i:040x}", 1) for i in range(1, 8)]
    plans = plan_batches(requests, max_recipients=3)
    assert [len(p.entries) for p in plans] == [3, 3, 1]
    with pytest.raises(ValueError):
        plan_batches(requests, max_recipients=0)


def test_ready_when_full_or_old_enough() -> None:
    age = dt.timedelta(seconds=2)
    young = [req(1, MINT, A, 1, age=0.5), req(2, MINT, B, 1, age=0.1)]
    assert not is_ready(young, T0, max_recipients=3, max_age=age)
    assert is_ready(young, T0, max_recipients=2, max_age=age)  # full
    assert is_ready([*young, req(3, MINT, C, 1, age=2)], T0, max_recipients=9, max_age=age)
    assert not is_ready([], T0, max_recipients=1, max_age=age)


def test_batch_entries_refuse_an_address_netting_against_the_kind() -> None:
    assert batch_entries(MINT, [req(1, MINT, A, 4), req(2, BURN, A, 1)]) == [(A, 3)]
    with pytest.raises(ValueError, match="cannot carry"):
        batch_entries(MINT, [req(1, BURN, A, 4)])


def test_batch_id_is_deterministic_and_differs_per_row_chain_and_token() -> None:
    first = derive_batch_id(137, TOKEN, 1)
    assert first == derive_batch_id(137, TOKEN.upper().replace("0X", "0x"), 1)
    assert len(first) == 66 and first.startswith("0x")
    others = {
        derive_batch_id(137, TOKEN, 2),
        derive_batch_id(80002, TOKEN, 1),
        derive_batch_id(137, "0x" + "2" * 40, 1),
    }
    assert first not in others and len(others) == 3


requests_strategy = st.lists(
    st.tuples(
        st.sampled_from([MINT, BURN]),
        st.sampled_from([A, B, C, "0x" + "d" * 40]),
        st.integers(1, 10**6),
    ),
    max_size=40,
)


@given(requests_strategy, st.integers(1, 3))
def test_every_request_is_in_exactly_one_batch_and_each_net_matches(
    rows: list[tuple[str, str, int]], max_recipients: int
) -> None:
    requests = [req(i + 1, k, a, n) for i, (k, a, n) in enumerate(rows)]
    plans = plan_batches(requests, max_recipients=max_recipients)
    covered = [i for p in plans for i in p.request_ids]
    assert sorted(covered) == [r.id for r in requests]
    by_id = {r.id: r for r in requests}
    assert sum(p.netted for p in plans) <= 1
    for plan in plans:
        assert len(plan.entries) <= max_recipients
        assert all(amount > 0 for _, amount in plan.entries)
        sign = 1 if plan.kind == MINT else -1
        on_chain = {a: sign * n for a, n in plan.entries}
        nets: dict[str, int] = {}
        for i in plan.request_ids:
            r = by_id[i]
            nets[r.address] = nets.get(r.address, 0) + r.signed
        assert {a: n for a, n in nets.items() if n} == on_chain
        assert batch_entries(plan.kind, [by_id[i] for i in plan.request_ids]) == plan.entries


def test_calldata_is_what_web3_encodes_for_the_contract() -> None:
    import datetime as _dt

    from web3 import Web3

    import contracts
    from loyalty.settings import Settings
    from minter.config import MinterConfig
    from minter.context import MinterContext

    ctx = MinterContext(
        store=None,  # type: ignore[arg-type]
        node=None,  # type: ignore[arg-type]
        token_address=TOKEN,
        deployment_block=0,
        config=MinterConfig.from_settings(Settings()),
        clock=lambda: _dt.datetime.now(_dt.UTC),
    )
    batch_id = derive_batch_id(1, TOKEN, 7)
    entries = [(A, 5), (B, 2**100)]
    contract = Web3().eth.contract(abi=contracts.load("LoyaltyPoints").abi)
    for kind, fn in ((MINT, "mintBatch"), (BURN, "burnBatch")):
        expected = contract.encode_abi(
            fn,
            args=[
                bytes.fromhex(batch_id[2:]),
                [Web3.to_checksum_address(a) for a, _ in entries],
                [n for _, n in entries],
            ],
        )
        assert ctx.calldata(kind, batch_id, entries) == expected

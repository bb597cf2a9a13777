"""The embedded chain's gas estimate (loyalty.embedded_chain.estimate_gas): a limit that works,
within py-evm's own tolerance of the least one that does, from far fewer runs of the
transaction than py-evm's binary search; a call that fails at the block limit still raises."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import eth.vm.forks.frontier.state as frontier
import pytest
from eth.estimators.gas import binary_gas_search_intrinsic_tolerance
from web3 import Web3
from web3.exceptions import ContractLogicError

from loyalty.embedded_chain import GAS_TOLERANCE, estimate_gas
from tests.support.minter import member_address
from tests.support.token import ChainUnderTest, Token, embedded_test_chain


@pytest.fixture
def tc() -> Iterator[ChainUnderTest]:
    chain = embedded_test_chain()
    yield chain
    chain.close()


def _estimate(tc: ChainUnderTest, tx: dict[str, Any], estimator: Any) -> tuple[int, int]:
    """(estimate, runs of the transaction) with `estimator` as the chain's."""
    py_evm = tc.chain.w3.provider.ethereum_tester.backend.chain
    runs = 0
    apply = frontier.FrontierState.apply_transaction

    def counted(state: Any, transaction: Any) -> Any:
        nonlocal runs
        runs += 1
        return apply(state, transaction)

    py_evm.gas_estimator = estimator
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(frontier.FrontierState, "apply_transaction", counted)
        estimate = tc.chain.w3.eth.estimate_gas(tx)
    py_evm.gas_estimator = estimate_gas
    return estimate, runs


def _mint_batch(token: Token, sender: str, recipients: int) -> dict[str, Any]:
    addresses = [Web3.to_checksum_address(member_address(i)) for i in range(recipients)]
    call = token.contract.functions.mintBatch(b"\x01" * 32, addresses, [5] * recipients)
    return {"from": sender, "to": token.contract.address, "data": call._encode_transaction_data()}


def _works(tc: ChainUnderTest, tx: dict[str, Any], gas: int) -> bool:
    try:
        tc.chain.w3.eth.call({**tx, "gas": gas})
    except ContractLogicError:
        return False
    return True


@pytest.mark.parametrize("recipients", [1, 40, 300])
def test_mint_batch_estimates_work_and_take_few_runs(tc: ChainUnderTest, recipients: int) -> None:
    token = Token.deploy_loyalty(tc)
    addresses = [Web3.to_checksum_address(member_address(i)) for i in range(recipients)]
    call = token.contract.functions.mintBatch(b"\x01" * 32, addresses, [5] * recipients)
    tx = {
        "from": tc.address(1),
        "to": token.contract.address,
        "data": call._encode_transaction_data(),
    }

    fast, fast_runs = _estimate(tc, tx, estimate_gas)
    default, default_runs = _estimate(tc, tx, binary_gas_search_intrinsic_tolerance)

    assert tc.chain.w3.eth.estimate_gas(tx) == fast  # the chain's own estimator is this one
    assert _works(tc, tx, fast)
    # Both are within the tolerance above the least limit that works, so within it of each other.
    assert abs(fast - default) <= GAS_TOLERANCE
    assert fast_runs <= 6 < default_runs


def test_a_transfer_estimates_the_intrinsic_gas(tc: ChainUnderTest) -> None:
    tx = {"from": tc.address(0), "to": tc.address(2), "value": 1}
    assert _estimate(tc, tx, estimate_gas) == (21_000, 1)


def test_a_call_that_reverts_at_the_block_limit_raises(tc: ChainUnderTest) -> None:
    token = Token.deploy_loyalty(tc)
    # Key 2 has no minter role: mintBatch reverts whatever the gas.
    call = token.contract.functions.mintBatch(
        b"\x02" * 32, [Web3.to_checksum_address(member_address(1))], [5]
    )
    tx = {
        "from": tc.address(2),
        "to": token.contract.address,
        "data": call._encode_transaction_data(),
    }
    with pytest.raises(ContractLogicError):
        tc.chain.w3.eth.estimate_gas(tx)

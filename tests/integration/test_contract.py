"""The LoyaltyPoints contract's rules, each checked on the embedded chain and on a real anvil node.

A refused call is both simulated (its custom error decoded from the revert data) and sent for
real (mined with status 0), and the state it would have changed is checked to be unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account
from web3.exceptions import ContractLogicError

import contracts
from contracts.revert import DecodedError, ErrorDecoder
from tests.support.anvil import ANVIL_KEYS, AnvilNode
from tests.support.token import ChainUnderTest, Token, anvil_test_chain, embedded_test_chain

ZERO = "0x" + "0" * 40


def batch(n: int) -> bytes:
    return n.to_bytes(32, "big")


def err(name: str, *args: Any) -> DecodedError:
    return DecodedError(name, tuple(args))


@pytest.fixture(params=["embedded", "anvil"])
def tc(request: pytest.FixtureRequest) -> Iterator[ChainUnderTest]:
    if request.param == "embedded":
        chain = embedded_test_chain()
    else:
        chain = anvil_test_chain(request.getfixturevalue("anvil"))
    yield chain
    chain.close()


@pytest.fixture
def token(tc: ChainUnderTest) -> Token:
    return Token.deploy_loyalty(tc)


def lower(address: str) -> str:
    return address.lower()


def test_decimals_zero_and_roles_as_deployed(tc: ChainUnderTest, token: Token) -> None:
    admin, minter = tc.address(0), tc.address(1)
    assert token.call("decimals") == 0
    assert token.call("transferable") is True
    assert token.call("hasRole", token.role("DEFAULT_ADMIN_ROLE"), admin)
    assert token.call("hasRole", token.role("PAUSER_ROLE"), admin)
    assert token.call("hasRole", token.role("MINTER_ROLE"), minter)
    assert token.call("hasRole", token.role("BURNER_ROLE"), minter)
    # The hot wallet holds no power over roles or the pause switch.
    assert not token.call("hasRole", token.role("DEFAULT_ADMIN_ROLE"), minter)
    assert not token.call("hasRole", token.role("PAUSER_ROLE"), minter)
    assert not token.call("hasRole", token.role("MINTER_ROLE"), admin)


def test_minter_cannot_grant_roles_or_pause(tc: ChainUnderTest, token: Token) -> None:
    minter, stranger = tc.address(1), tc.address(2)
    admin_role, pauser_role = token.role("DEFAULT_ADMIN_ROLE"), token.role("PAUSER_ROLE")
    assert token.revert_of(tc.minter_key, "grantRole", token.role("MINTER_ROLE"), stranger) == err(
        "AccessControlUnauthorizedAccount", lower(minter), admin_role
    )
    assert token.revert_of(tc.minter_key, "grantRole", admin_role, minter) == err(
        "AccessControlUnauthorizedAccount", lower(minter), admin_role
    )
    assert token.revert_of(tc.minter_key, "pause") == err(
        "AccessControlUnauthorizedAccount", lower(minter), pauser_role
    )
    assert not token.call("hasRole", token.role("MINTER_ROLE"), stranger)
    assert not token.call("hasRole", admin_role, minter)
    assert token.call("paused") is False


def test_stranger_cannot_mint_burn_or_pause(tc: ChainUnderTest, token: Token) -> None:
    alice, stranger = tc.address(2), tc.address(3)
    token.send(tc.minter_key, "mintBatch", batch(1), [alice], [10])
    stranger_key = tc.keys[3]
    assert token.revert_of(stranger_key, "mintBatch", batch(2), [stranger], [5]) == err(
        "AccessControlUnauthorizedAccount", lower(stranger), token.role("MINTER_ROLE")
    )
    assert token.revert_of(stranger_key, "burnBatch", batch(3), [alice], [5]) == err(
        "AccessControlUnauthorizedAccount", lower(stranger), token.role("BURNER_ROLE")
    )
    assert token.revert_of(stranger_key, "pause") == err(
        "AccessControlUnauthorizedAccount", lower(stranger), token.role("PAUSER_ROLE")
    )
    assert (token.balance(alice), token.balance(stranger), token.call("totalSupply")) == (10, 0, 10)
    assert not token.call("isBatchProcessed", batch(2))
    assert not token.call("isBatchProcessed", batch(3))


def test_admin_can_revoke_the_minter(tc: ChainUnderTest, token: Token) -> None:
    minter, alice = tc.address(1), tc.address(2)
    token.send(tc.admin_key, "revokeRole", token.role("MINTER_ROLE"), minter)
    assert not token.call("hasRole", token.role("MINTER_ROLE"), minter)
    assert token.revert_of(tc.minter_key, "mintBatch", batch(1), [alice], [1]) == err(
        "AccessControlUnauthorizedAccount", lower(minter), token.role("MINTER_ROLE")
    )
    assert token.call("totalSupply") == 0


def test_mint_batch_credits_every_recipient_and_emits_batch_minted(
    tc: ChainUnderTest, token: Token
) -> None:
    alice, bob = tc.address(2), tc.address(3)
    receipt = token.send(tc.minter_key, "mintBatch", batch(7), [alice, bob, alice], [5, 7, 1])
    assert token.balance(alice) == 6
    assert token.balance(bob) == 7
    assert token.call("totalSupply") == 13
    assert token.call("isBatchProcessed", batch(7))
    assert token.events(receipt, "BatchMinted") == [{"batchId": batch(7), "count": 3, "total": 13}]
    transfers = token.events(receipt, "Transfer")
    assert [(t["from"], t["to"], t["value"]) for t in transfers] == [
        (ZERO, alice, 5),
        (ZERO, bob, 7),
        (ZERO, alice, 1),
    ]


def test_duplicate_batch_id_mints_nothing(tc: ChainUnderTest, token: Token) -> None:
    alice, bob = tc.address(2), tc.address(3)
    token.send(tc.minter_key, "mintBatch", batch(1), [alice], [5])
    # The same id again (a retried or re-broadcast batch), even with other contents, is refused.
    assert token.revert_of(tc.minter_key, "mintBatch", batch(1), [alice], [5]) == err(
        "BatchAlreadyProcessed", batch(1)
    )
    assert token.revert_of(tc.minter_key, "mintBatch", batch(1), [bob], [9]) == err(
        "BatchAlreadyProcessed", batch(1)
    )
    # Mint and burn share one id space, so an id cannot be reused across them either.
    assert token.revert_of(tc.minter_key, "burnBatch", batch(1), [alice], [1]) == err(
        "BatchAlreadyProcessed", batch(1)
    )
    assert (token.balance(alice), token.balance(bob), token.call("totalSupply")) == (5, 0, 5)


def test_burn_batch_debits_and_emits_batch_burned(tc: ChainUnderTest, token: Token) -> None:
    alice, bob = tc.address(2), tc.address(3)
    token.send(tc.minter_key, "mintBatch", batch(1), [alice, bob], [10, 4])
    receipt = token.send(tc.minter_key, "burnBatch", batch(2), [alice, bob], [3, 4])
    assert (token.balance(alice), token.balance(bob), token.call("totalSupply")) == (7, 0, 7)
    assert token.events(receipt, "BatchBurned") == [{"batchId": batch(2), "count": 2, "total": 7}]
    assert token.revert_of(tc.minter_key, "burnBatch", batch(2), [alice], [1]) == err(
        "BatchAlreadyProcessed", batch(2)
    )
    assert token.balance(alice) == 7


def test_burning_more_than_the_balance_is_refused_and_the_batch_stays_unused(
    tc: ChainUnderTest, token: Token
) -> None:
    alice, bob = tc.address(2), tc.address(3)
    token.send(tc.minter_key, "mintBatch", batch(1), [alice, bob], [5, 5])
    # The second burn fails, so the whole batch, including the first burn, is undone.
    assert token.revert_of(tc.minter_key, "burnBatch", batch(2), [bob, alice], [1, 6]) == err(
        "ERC20InsufficientBalance", lower(alice), 5, 6
    )
    assert (token.balance(alice), token.balance(bob), token.call("totalSupply")) == (5, 5, 10)
    # A refused batch does not consume its id: the corrected batch can go through.
    assert not token.call("isBatchProcessed", batch(2))
    token.send(tc.minter_key, "burnBatch", batch(2), [bob, alice], [1, 5])
    assert (token.balance(alice), token.balance(bob)) == (0, 4)


def test_pause_blocks_mint_burn_and_transfer_until_unpaused(
    tc: ChainUnderTest, token: Token
) -> None:
    alice, bob = tc.address(2), tc.address(3)
    alice_key = tc.keys[2]
    token.send(tc.minter_key, "mintBatch", batch(1), [alice], [10])
    token.send(tc.admin_key, "pause")
    assert token.call("paused") is True
    paused = err("EnforcedPause")
    assert token.revert_of(tc.minter_key, "mintBatch", batch(2), [alice], [1]) == paused
    assert token.revert_of(tc.minter_key, "burnBatch", batch(3), [alice], [1]) == paused
    assert token.revert_of(alice_key, "transfer", bob, 1) == paused
    assert token.revert_of(tc.minter_key, "unpause") == err(
        "AccessControlUnauthorizedAccount", lower(tc.address(1)), token.role("PAUSER_ROLE")
    )
    assert (token.balance(alice), token.balance(bob), token.call("totalSupply")) == (10, 0, 10)

    token.send(tc.admin_key, "unpause")
    token.send(tc.minter_key, "mintBatch", batch(2), [alice], [1])
    token.send(tc.minter_key, "burnBatch", batch(3), [alice], [2])
    token.send(alice_key, "transfer", bob, 4)
    assert (token.balance(alice), token.balance(bob), token.call("totalSupply")) == (5, 4, 9)


def test_malformed_batches_are_refused_with_their_errors(tc: ChainUnderTest, token: Token) -> None:
    alice, bob = tc.address(2), tc.address(3)
    m = tc.minter_key
    assert token.revert_of(m, "mintBatch", batch(1), [alice, bob], [1]) == err(
        "BatchLengthMismatch", 2, 1
    )
    assert token.revert_of(m, "burnBatch", batch(1), [alice], [1, 2]) == err(
        "BatchLengthMismatch", 1, 2
    )
    assert token.revert_of(m, "mintBatch", batch(1), [], []) == err("EmptyBatch")
    assert token.revert_of(m, "burnBatch", batch(1), [], []) == err("EmptyBatch")
    assert token.revert_of(m, "mintBatch", batch(1), [alice, ZERO], [1, 2]) == err(
        "ERC20InvalidReceiver", ZERO
    )
    assert token.revert_of(m, "burnBatch", batch(1), [ZERO], [1]) == err("ERC20InvalidSender", ZERO)
    assert (token.balance(alice), token.call("totalSupply")) == (0, 0)
    assert not token.call("isBatchProcessed", batch(1))


def test_transferable_token_moves_between_members(tc: ChainUnderTest, token: Token) -> None:
    alice, bob, carol = tc.address(2), tc.address(3), tc.address(1)
    token.send(tc.minter_key, "mintBatch", batch(1), [alice], [10])
    token.send(tc.keys[2], "transfer", bob, 3)
    token.send(tc.keys[2], "approve", carol, 2)
    token.send(tc.minter_key, "transferFrom", alice, bob, 2)
    assert (token.balance(alice), token.balance(bob)) == (5, 5)


def test_non_transferable_token_blocks_transfers_but_not_mint_or_burn(tc: ChainUnderTest) -> None:
    token = Token.deploy_loyalty(tc, transferable=False)
    alice, bob, spender = tc.address(2), tc.address(3), tc.address(1)
    assert token.call("transferable") is False
    token.send(tc.minter_key, "mintBatch", batch(1), [alice], [10])
    assert token.revert_of(tc.keys[2], "transfer", bob, 1) == err("TransfersDisabled")
    token.send(tc.keys[2], "approve", spender, 5)  # approving moves nothing, so it is allowed
    assert token.revert_of(tc.minter_key, "transferFrom", alice, bob, 1) == err("TransfersDisabled")
    token.send(tc.minter_key, "burnBatch", batch(2), [alice], [4])
    assert (token.balance(alice), token.balance(bob), token.call("totalSupply")) == (6, 0, 6)


def test_constructor_refuses_a_zero_admin(tc: ChainUnderTest) -> None:
    art = contracts.load("LoyaltyPoints")
    w3 = tc.chain.w3
    factory = w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
    data = factory.constructor("P", "P", ZERO, True).data_in_transaction
    with pytest.raises(ContractLogicError) as info:
        w3.eth.call({"from": tc.address(0), "data": data})
    assert ErrorDecoder(art.abi).decode(info.value.data) == err("ZeroAdmin")  # type: ignore[arg-type]


def test_anvil_keys_are_the_nodes_funded_accounts(anvil: AnvilNode) -> None:
    """The tests sign with ANVIL_KEYS; a wrong key would fail later as a puzzling 'no funds'."""
    accounts = anvil.rpc("eth_accounts")
    assert [Account.from_key(k).address.lower() for k in ANVIL_KEYS] == accounts[: len(ANVIL_KEYS)]

"""LoyaltyPoints.settle (issue 17): one call mints and burns a batch and commits the ledger root
with the supply the ledger says the chain holds; the token refuses a batch whose committed supply
is not `totalSupply()` after it. And the statement signer the admin records. Each rule on the
embedded chain and on anvil; a refused call is simulated and also sent (mined with status 0).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from contracts.revert import DecodedError
from tests.support.token import ChainUnderTest, Token, anvil_test_chain, embedded_test_chain

ZERO = "0x" + "0" * 40
ROOT = bytes.fromhex("ab" * 32)


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


def state(token: Token, *addresses: str) -> tuple[int, ...]:
    return (*(token.balance(a) for a in addresses), int(token.call("totalSupply")))


def test_settle_mints_and_burns_in_one_call_and_emits_the_root_and_supply(
    tc: ChainUnderTest, token: Token
) -> None:
    alice, bob, carol = tc.address(2), tc.address(3), tc.address(0)
    m = tc.minter_key
    receipt = token.send(m, "settle", batch(1), [alice, bob], [10, 4], 2, ROOT, 14)
    assert token.events(receipt, "BatchSettled") == [
        {"batchId": batch(1), "count": 2, "minted": 14, "burned": 0, "root": ROOT, "supply": 14}
    ]
    # Mints first (the first `mints` entries), then burns: carol gets 5, alice loses 3, bob 4.
    root2 = bytes.fromhex("cd" * 32)
    receipt = token.send(m, "settle", batch(2), [carol, alice, bob], [5, 3, 4], 1, root2, 12)
    assert state(token, alice, bob, carol) == (7, 0, 5, 12)
    assert token.events(receipt, "BatchSettled") == [
        {"batchId": batch(2), "count": 3, "minted": 5, "burned": 7, "root": root2, "supply": 12}
    ]
    transfers = token.events(receipt, "Transfer")
    assert [(t["from"], t["to"], t["value"]) for t in transfers] == [
        (ZERO, carol, 5),
        (alice, ZERO, 3),
        (bob, ZERO, 4),
    ]
    assert token.call("isBatchProcessed", batch(2))
    # An empty batch commits a root alone (the supply must still be right).
    receipt = token.send(m, "settle", batch(3), [], [], 0, ROOT, 12)
    assert token.events(receipt, "BatchSettled")[0]["count"] == 0


def test_a_wrong_committed_supply_is_refused_and_changes_nothing(
    tc: ChainUnderTest, token: Token
) -> None:
    alice, bob = tc.address(2), tc.address(3)
    m = tc.minter_key
    token.send(m, "settle", batch(1), [alice], [10], 1, ROOT, 10)
    # One point more than the books say the chain holds, then one less: both refused, whole.
    assert token.revert_of(m, "settle", batch(2), [bob, alice], [5, 2], 1, ROOT, 14) == err(
        "CommittedSupplyMismatch", batch(2), 14, 13
    )
    assert token.revert_of(m, "settle", batch(2), [bob, alice], [5, 2], 1, ROOT, 12) == err(
        "CommittedSupplyMismatch", batch(2), 12, 13
    )
    assert state(token, alice, bob) == (10, 0, 10)
    assert not token.call("isBatchProcessed", batch(2))
    # The right sum lands, under the same batch id.
    token.send(m, "settle", batch(2), [bob, alice], [5, 2], 1, ROOT, 13)
    assert state(token, alice, bob) == (8, 5, 13)
    # Supply moved outside the books (a mintBatch by the same key): the next settle must commit
    # it, or it is refused.
    token.send(m, "mintBatch", batch(3), [bob], [1])
    assert token.revert_of(m, "settle", batch(4), [alice], [1], 1, ROOT, 14) == err(
        "CommittedSupplyMismatch", batch(4), 14, 15
    )


def test_settle_keeps_the_batch_id_rules_and_refuses_malformed_batches(
    tc: ChainUnderTest, token: Token
) -> None:
    alice, bob = tc.address(2), tc.address(3)
    m = tc.minter_key
    token.send(m, "mintBatch", batch(1), [alice], [5])
    # One id space for mintBatch, burnBatch and settle.
    assert token.revert_of(m, "settle", batch(1), [alice], [1], 1, ROOT, 6) == err(
        "BatchAlreadyProcessed", batch(1)
    )
    token.send(m, "settle", batch(2), [alice], [1], 1, ROOT, 6)
    assert token.revert_of(m, "settle", batch(2), [alice], [1], 1, ROOT, 7) == err(
        "BatchAlreadyProcessed", batch(2)
    )
    assert token.revert_of(m, "mintBatch", batch(2), [alice], [1]) == err(
        "BatchAlreadyProcessed", batch(2)
    )
    assert token.revert_of(m, "settle", batch(3), [alice, bob], [1], 2, ROOT, 7) == err(
        "BatchLengthMismatch", 2, 1
    )
    assert token.revert_of(m, "settle", batch(3), [alice], [1], 2, ROOT, 7) == err(
        "MintCountTooLarge", 2, 1
    )
    # A burn beyond the balance names the address (the minter's refusal isolation relies on it).
    assert token.revert_of(m, "settle", batch(3), [bob, alice], [1, 9], 1, ROOT, 0) == err(
        "ERC20InsufficientBalance", alice.lower(), 6, 9
    )
    assert state(token, alice, bob) == (6, 0, 6)


def test_settle_needs_the_minter_role_and_the_burner_role_for_burns(
    tc: ChainUnderTest, token: Token
) -> None:
    minter, alice = tc.address(1), tc.address(2)
    m = tc.minter_key
    token.send(m, "settle", batch(1), [alice], [5], 1, ROOT, 5)
    stranger = tc.keys[3]
    assert token.revert_of(stranger, "settle", batch(2), [alice], [1], 1, ROOT, 6) == err(
        "AccessControlUnauthorizedAccount", tc.address(3).lower(), token.role("MINTER_ROLE")
    )
    token.send(tc.admin_key, "revokeRole", token.role("BURNER_ROLE"), minter)
    assert token.revert_of(m, "settle", batch(2), [alice], [1], 0, ROOT, 4) == err(
        "AccessControlUnauthorizedAccount", minter.lower(), token.role("BURNER_ROLE")
    )
    token.send(m, "settle", batch(2), [alice], [1], 1, ROOT, 6)  # mints alone still go
    token.send(tc.admin_key, "pause")
    assert token.revert_of(m, "settle", batch(3), [alice], [1], 1, ROOT, 7) == err("EnforcedPause")
    assert state(token, alice) == (6, 6)


def test_settle_holds_on_a_transferable_token_after_transfers(tc: ChainUnderTest) -> None:
    # Transfers between holders move tokens but never the supply: the guard still holds.
    token = Token.deploy_loyalty(tc, transferable=True)
    alice, bob = tc.address(2), tc.address(3)
    token.send(tc.minter_key, "settle", batch(1), [alice], [10], 1, ROOT, 10)
    token.send(tc.keys[2], "transfer", bob, 4)
    token.send(tc.minter_key, "settle", batch(2), [bob], [4], 0, ROOT, 6)
    assert state(token, alice, bob) == (6, 0, 6)


def test_the_admin_records_the_statement_signer(tc: ChainUnderTest, token: Token) -> None:
    signer, minter = tc.address(3), tc.address(1)
    assert token.call("statementSigner") == ZERO
    receipt = token.send(tc.admin_key, "setStatementSigner", signer)
    assert token.call("statementSigner") == signer
    assert token.events(receipt, "StatementSignerChanged") == [
        {"previous": ZERO, "current": signer}
    ]
    admin_role = token.role("DEFAULT_ADMIN_ROLE")
    assert token.revert_of(tc.minter_key, "setStatementSigner", minter) == err(
        "AccessControlUnauthorizedAccount", minter.lower(), admin_role
    )
    assert token.call("statementSigner") == signer
    receipt = token.send(tc.admin_key, "setStatementSigner", ZERO)
    assert token.events(receipt, "StatementSignerChanged") == [
        {"previous": signer, "current": ZERO}
    ]

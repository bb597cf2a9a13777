"""`loyalty deploy --adopt ADDRESS --block N`: a token this service did not deploy is recorded
(nothing sent), indexed from its creation block and audited against `balanceOf`; the minter
refuses to start on a token it cannot mint on, in one line; every mistake is one line and
records nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eth_account import Account
from sqlalchemy import func, select

import contracts
from loyalty.db.engine import make_engine
from loyalty.db.tables import deployments
from tests.support.anvil import ANVIL_KEYS, AnvilNode
from tests.support.cli import Result, run_cli
from tests.support.token import anvil_test_chain, send_raw

ADMIN = ANVIL_KEYS[2]  # the foreign token's own admin: not a key this service holds
# The first holder is a funded anvil account (it sends a transfer); the others only receive.
HOLDERS = [
    Account.from_key(ANVIL_KEYS[3]).address,
    "0x00000000000000000000000000000000000000A1",
    "0x00000000000000000000000000000000000000A2",
]


def _foreign_token(node: AnvilNode) -> tuple[str, int]:
    """A plain OpenZeppelin ERC-20 (ReferenceToken), minted and transferred by its admin."""
    under = anvil_test_chain(node)
    try:
        w3 = under.chain.w3
        artifact = contracts.load("ReferenceToken")
        admin = Account.from_key(ADMIN).address
        ctor = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode).constructor(admin)
        receipt = send_raw(under.chain, ADMIN, ctor.build_transaction({"from": admin}))
        token = w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)
        for i, holder in enumerate(HOLDERS):
            call = token.functions.mint(holder, 1_000 * (i + 1))
            send_raw(under.chain, ADMIN, call.build_transaction({"from": admin}))
        move = token.functions.transfer(HOLDERS[1], 250)
        send_raw(under.chain, ANVIL_KEYS[3], move.build_transaction({"from": HOLDERS[0]}))
        node.mine(3)
        return str(receipt["contractAddress"]), int(receipt["blockNumber"])
    finally:
        under.close()


def _env(node: AnvilNode, database_url: str, **extra: str) -> dict[str, str]:
    return {"LOYALTY_RPC_URL": node.url, "LOYALTY_DATABASE_URL": database_url, **extra}


def _recorded(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(deployments)).scalar_one())
    finally:
        engine.dispose()


def _one_line(result: Result, command: str, *fragments: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"loyalty {command}: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_an_adopted_token_is_indexed_and_audited_and_the_minter_refuses_it(
    tmp_path: Path, anvil: AnvilNode, database_url: str
) -> None:
    address, block = _foreign_token(anvil)
    env = _env(anvil, database_url, LOYALTY_MINTER_KEY=ANVIL_KEYS[1])

    adopted = run_cli(
        tmp_path, env, "deploy", "--adopt", address.lower(), "--block", str(block), "--json"
    )
    assert adopted.returncode == 0, adopted.stderr
    record: dict[str, Any] = json.loads(adopted.stdout)
    assert record["address"] == address and record["deploymentBlock"] == block
    assert record["adopted"] is True and record["mintable"] is False
    # Again: the same record, nothing added.
    again = run_cli(tmp_path, env, "deploy", "--adopt", address, "--block", str(block), "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["address"] == address
    assert _recorded(database_url) == 1

    indexed = run_cli(tmp_path, env, "indexer", "--once")
    assert indexed.returncode == 0, indexed.stderr
    audit = run_cli(tmp_path, env, "audit", "--json")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    report = json.loads(audit.stdout)
    assert report["clean"] is True and report["holders"] == len(HOLDERS)
    assert report["chainSupply"] == report["indexedSupply"] == str(1_000 + 2_000 + 3_000)
    assert report["findings"] == []
    assert report["ledger"]["status"] != "CLEAN" and "adopted" in report["ledger"]["reason"]

    # The minter commits the books with every batch by default: never on an adopted token,
    # whose supply is its issuer's; told not to, it still needs mintBatch, which this one lacks.
    minter = run_cli(tmp_path, env, "minter", "--once")
    _one_line(minter, "minter", "adopted token", "LOYALTY_MINTER_COMMIT=false")
    minter = run_cli(tmp_path, {**env, "LOYALTY_MINTER_COMMIT": "false"}, "minter", "--once")
    _one_line(minter, "minter", "has no mintBatch()", address)


def test_adopt_mistakes_are_one_line_and_record_nothing(
    tmp_path: Path, anvil: AnvilNode, database_url: str
) -> None:
    address, block = _foreign_token(anvil)
    env = _env(anvil, database_url)
    eoa = HOLDERS[0]
    cases = [
        (["--adopt", "0x1234", "--block", "1"], "is not an address"),
        (["--adopt", address], "--adopt needs --block"),
        (["--block", "3"], "--block goes with --adopt"),
        (["--adopt", address, "--block", str(block + 1)], "already existed in block"),
        (["--adopt", address, "--block", str(block - 1)], "no contract at"),
        (["--adopt", address, "--block", "999999"], "after the chain's head"),
        (["--adopt", eoa, "--block", str(block)], "no contract at"),
    ]
    for args, fragment in cases:
        _one_line(run_cli(tmp_path, env, "deploy", *args), "deploy", fragment)
    assert _recorded(database_url) == 0

    # A contract that is not an ERC-20 (its code is a single STOP): no name(), no symbol().
    under = anvil_test_chain(anvil)
    try:
        init = bytes.fromhex("6001600c60003960016000f3" + "00")
        receipt = send_raw(under.chain, ADMIN, {"data": init, "gas": 100_000})
        bare, bare_block = receipt["contractAddress"], receipt["blockNumber"]
    finally:
        under.close()
    _one_line(
        run_cli(tmp_path, env, "deploy", "--adopt", bare, "--block", str(bare_block)),
        "deploy",
        "it is not an ERC-20 token",
    )
    assert _recorded(database_url) == 0

    # A second, different token on the same chain is refused: one database follows one token.
    ok = run_cli(tmp_path, env, "deploy", "--adopt", address, "--block", str(block))
    assert ok.returncode == 0, ok.stderr
    other, other_block = _foreign_token(anvil)
    _one_line(
        run_cli(tmp_path, env, "deploy", "--adopt", other, "--block", str(other_block)),
        "deploy",
        "already recorded on chain",
    )
    assert _recorded(database_url) == 1

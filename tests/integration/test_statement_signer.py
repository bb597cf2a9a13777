"""The statement key's address on the token (`statementSigner`), on anvil, SQLite and
PostgreSQL: `loyalty deploy` records it when LOYALTY_STATEMENT_KEY is set (and says it did not
when it is not); `loyalty statement-signer` compares the key with the token (exit 1 when they
differ), `--set` records the key with the deployer key; a statement's recovered signer is what
the token records."""

from __future__ import annotations

import json
from pathlib import Path

from eth_account import Account
from web3 import Web3

import contracts
from loyalty.runtime import Runtime
from loyalty.settings import DEV_STATEMENT_KEY, Settings
from tests.support.anvil import ANVIL_KEYS, AnvilNode
from tests.support.cli import run_cli

KEY_A, KEY_B = "0x" + "7c" * 32, "0x" + "8d" * 32


def _recorded(anvil: AnvilNode, token: str) -> str:
    w3 = Web3(Web3.HTTPProvider(anvil.url))
    contract = w3.eth.contract(
        address=Web3.to_checksum_address(token), abi=contracts.load("LoyaltyPoints").abi
    )
    return str(contract.functions.statementSigner().call())


def _env(database_url: str, anvil: AnvilNode, **extra: str) -> dict[str, str]:
    return {
        "LOYALTY_DATABASE_URL": database_url,
        "LOYALTY_RPC_URL": anvil.url,
        "LOYALTY_DEPLOYER_KEY": ANVIL_KEYS[0],
        "LOYALTY_MINTER_KEY": ANVIL_KEYS[1],
        **extra,
    }


def test_deploy_records_the_key_and_the_command_compares_and_sets_it(
    anvil: AnvilNode, database_url: str, tmp_path: Path
) -> None:
    deployed = run_cli(
        tmp_path, _env(database_url, anvil, LOYALTY_STATEMENT_KEY=KEY_A), "deploy", "--json"
    )
    assert deployed.returncode == 0, deployed.stderr
    token = json.loads(deployed.stdout)["address"]
    a, b = Account.from_key(KEY_A).address, Account.from_key(KEY_B).address
    assert _recorded(anvil, token) == a

    same = run_cli(
        tmp_path, _env(database_url, anvil, LOYALTY_STATEMENT_KEY=KEY_A), "statement-signer"
    )
    assert same.returncode == 0, same.stderr
    assert a in same.stdout

    rotated = _env(database_url, anvil, LOYALTY_STATEMENT_KEY=KEY_B)
    differ = run_cli(tmp_path, rotated, "statement-signer", "--json")
    assert differ.returncode == 1
    assert json.loads(differ.stdout) == {
        "token": token,
        "configured": b,
        "recorded": a,
        "same": False,
    }
    assert _recorded(anvil, token) == a  # comparing changes nothing

    fixed = run_cli(tmp_path, rotated, "statement-signer", "--set")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert _recorded(anvil, token) == b


def test_a_deploy_without_a_statement_key_records_none_and_says_so(
    anvil: AnvilNode, database_url: str, tmp_path: Path
) -> None:
    deployed = run_cli(tmp_path, _env(database_url, anvil), "deploy", "--json")
    assert deployed.returncode == 0, deployed.stderr
    assert "no LOYALTY_STATEMENT_KEY" in deployed.stderr
    token = json.loads(deployed.stdout)["address"]
    assert _recorded(anvil, token) == "0x" + "0" * 40
    refused = run_cli(tmp_path, _env(database_url, anvil), "statement-signer")
    assert refused.returncode == 2
    assert "LOYALTY_STATEMENT_KEY is not set" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_the_embedded_chain_records_the_development_key(tmp_path: Path, sqlite_url: str) -> None:
    runtime = Runtime.start(
        Settings(database_url=sqlite_url, chain_state=str(tmp_path / "chain.state"))
    )
    try:
        contract = runtime.chain.w3.eth.contract(
            address=Web3.to_checksum_address(runtime.deployment.address),
            abi=contracts.load("LoyaltyPoints").abi,
        )
        assert (
            contract.functions.statementSigner().call()
            == Account.from_key(DEV_STATEMENT_KEY).address
        )
    finally:
        runtime.close()

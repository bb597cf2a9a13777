"""The test suite's deploy cache (tests/support/deployed_chain.py) must be invisible: a start
that copies in the kept chain state and deployment row gives the same token (roles, statement
signer, name) as a real first start, and anything else is left to Runtime.start."""

from __future__ import annotations

from pathlib import Path

from web3 import Web3

import contracts
from loyalty.runtime import Runtime
from loyalty.settings import Settings
from tests.support.databases import SqliteDatabases
from tests.support.deployed_chain import deploy_once


def _token_facts(runtime: Runtime) -> dict[str, object]:
    abi = contracts.load("LoyaltyPoints").abi
    token = runtime.chain.w3.eth.contract(
        address=Web3.to_checksum_address(runtime.deployment.address), abi=abi
    )
    minter = Web3.to_checksum_address(runtime.deployment.minter)
    roles = {
        role: token.functions.hasRole(token.functions[role]().call(), minter).call()
        for role in ("MINTER_ROLE", "BURNER_ROLE")
    }
    return {
        "deployment": runtime.deployment,
        "name": token.functions.name().call(),
        "symbol": token.functions.symbol().call(),
        "roles": roles,
        "signer": token.functions.statementSigner().call(),
        "minter_funds": runtime.chain.w3.eth.get_balance(minter) > 0,
        "head": runtime.chain.w3.eth.block_number,
    }


def test_a_copied_deployment_is_the_same_token(tmp_path: Path) -> None:
    dbs = SqliteDatabases(tmp_path / "db")
    (tmp_path / "db").mkdir()
    facts = []
    before = Runtime.__dict__["start"]
    with deploy_once(tmp_path) as cache:
        for i in range(2):
            settings = Settings(database_url=dbs.fresh(), chain_state=str(tmp_path / f"{i}.state"))
            runtime = Runtime.start(settings)
            facts.append(_token_facts(runtime))
            runtime.close()
        assert cache.hits == 1
        # Other deploy settings: a real deploy, not the kept one.
        other = Settings(
            database_url=dbs.fresh(), chain_state=str(tmp_path / "o.state"), token_name="Other"
        )
        runtime = Runtime.start(other)
        assert _token_facts(runtime)["name"] == "Other"
        runtime.close()
        assert cache.hits == 1
        # A restart on a state file that exists is Runtime.start's own.
        runtime = Runtime.start(settings)
        assert _token_facts(runtime) == facts[1]
        runtime.close()
        assert cache.hits == 1
    assert facts[0] == facts[1]
    assert facts[0]["roles"] == {"MINTER_ROLE": True, "BURNER_ROLE": True}
    assert facts[0]["minter_funds"]
    assert Runtime.__dict__["start"] is before  # put back

"""`mintingStatus` over HTTP: admins see outbox depth, batches by state, the standing error
(a paused token's reason), and gas spent; anyone else is refused."""

from __future__ import annotations

from pathlib import Path

from loyalty.deploy import send_transaction
from tests.integration._rules_client import running_api
from tests.support.anvil import ANVIL_KEYS, AnvilNode
from tests.support.minter import insert_requests, make_env, member_address, step_until_final

STATUS = """{ mintingStatus { outboxDepth pendingRequests batchedRequests pendingPoints
  batches { status count } transactions { status count }
  lastError { batch batchId message retryAt } gasUsed gasSpentWei } }"""


def _pause(env, fn: str) -> None:  # type: ignore[no-untyped-def]
    call = env.token.functions[fn]().build_transaction({"from": env.deployment.deployer})
    send_transaction(env.chain, ANVIL_KEYS[0], call)


async def test_minting_status_shows_the_waiting_reason_then_gas_spent(
    anvil: AnvilNode, database_url: str, tmp_path: Path
) -> None:
    env = make_env(anvil, database_url)
    try:
        _pause(env, "pause")
        insert_requests(
            env.engine,
            [("MINT", member_address(1), 30), ("MINT", member_address(2), 12)],
        )
        minter = env.minter()
        minter.step()
        async with running_api(
            database_url,
            tmp_path,
            rpc_url=anvil.url,
            deployer_key=ANVIL_KEYS[0],
            minter_key=ANVIL_KEYS[1],
        ) as api:
            status = (await api.ok(STATUS))["mintingStatus"]
            assert status["outboxDepth"] == 2 and status["pendingRequests"] == 2
            assert int(status["pendingPoints"]) == 42
            assert {"status": "PENDING", "count": 1} in status["batches"]
            assert "EnforcedPause" in status["lastError"]["message"]
            assert status["lastError"]["batchId"].startswith("0x")
            assert int(status["gasSpentWei"]) == 0

            anonymous = await api.error(STATUS, token=None)
            assert anonymous["extensions"]["code"] == "UNAUTHENTICATED"

            _pause(env, "unpause")
            step_until_final(env, minter)
            status = (await api.ok(STATUS))["mintingStatus"]
            assert status["outboxDepth"] == 0 and int(status["pendingPoints"]) == 0
            assert {"status": "FINAL", "count": 1} in status["batches"]
            assert status["lastError"] is None
            assert int(status["gasUsed"]) > 0 and int(status["gasSpentWei"]) > 0
            assert {"status": "MINED", "count": 1} in status["transactions"]
    finally:
        env.close()

"""What an anonymous caller can read, as the README says: what the chain makes public anyway
(token, holders, balances, transfers, indexer status), and nothing of the program or its members."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration._rules_client import running_api

PUBLIC = [
    "{ token { address symbol } }",
    "{ holders { nodes { address balance } } }",
    '{ balance(address: "0x0000000000000000000000000000000000000001") }',
    "{ transfers { nodes { txHash } } }",
    "{ indexerStatus { indexedBlock } }",
]

PRIVATE = [
    '{ account(memberId: "ann") { points { balance } } }',
    "{ earningRules { edges { node { id } } } }",
    "{ loyaltyProgram { revision } }",
    "{ mintingStatus { outboxDepth } }",
    "{ audit(block: 1) { clean } }",
    "{ analytics { liability { pointsOutstanding } } }",
]


@pytest.mark.parametrize("query", PUBLIC)
async def test_chain_data_is_public(database_url: str, tmp_path: Path, query: str) -> None:
    async with running_api(database_url, tmp_path) as api:
        data = await api.ok(query, token=None)
    assert data


@pytest.mark.parametrize("query", PRIVATE)
async def test_program_and_member_data_need_a_credential(
    database_url: str, tmp_path: Path, query: str
) -> None:
    async with running_api(database_url, tmp_path) as api:
        error = await api.error(query, token=None)
    assert error["extensions"]["code"] in {"UNAUTHENTICATED", "FORBIDDEN"}, error

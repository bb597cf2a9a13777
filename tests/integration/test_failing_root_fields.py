"""Two root fields that both fail (graphql-core then cancels the one still reading) are two typed
errors in a 200, never a 500, and the request's read connection is not handed back half-used:
the next requests read normally. Found by the schema fuzz: the cancelled read left the
connection needing a rollback, and closing the request raised PendingRollbackError."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.pool import QueuePool

from tests.integration._rules_client import running_api

BOTH_FAIL = '{ reward(id: "nope") { id } account(memberId: "nobody") { memberId } }'
ONE_FAILS = '{ account(memberId: "nobody") { memberId } tiers { id } }'


async def test_sibling_root_fields_failing_together_are_typed_errors(
    database_url: str, tmp_path: Path
) -> None:
    async with running_api(database_url, tmp_path) as api:
        for _ in range(5):  # the pool hands the same connections round: each must be sound
            body = await api.gql(BOTH_FAIL)
            assert body["data"] is None
            assert {e["extensions"]["code"] for e in body["errors"]} == {"NOT_FOUND"}
            body = await api.gql(ONE_FAILS)
            assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
            assert "tiers" in await api.ok("{ tiers { id } }")
        pool = api.runtime.async_engine.sync_engine.pool
        if isinstance(pool, QueuePool):
            assert pool.checkedout() == 0  # every request gave its connection back

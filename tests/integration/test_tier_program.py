"""The tier program over GraphQL on SQLite and PostgreSQL: paused or disabled, everyone earns
(and previews) at the base tier's rates; disabled, accounts show the base tier; active again,
the member's tier applies at once. Changes are revision-checked, admin-only, validated and
audit-logged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration._rules_client import CREATE as CREATE_RULE
from tests.integration._rules_client import Api, member_jwt, running_api, stores_rule

TIER_PROGRAM = "{ tierProgram { status downgradePolicy downgradeNoticeDays revision } }"
UPDATE = """mutation($rev: Long!, $t: TierProgramUpdate!) {
  updateTierProgram(revision: $rev, tierProgram: $t) {
    status downgradePolicy downgradeNoticeDays revision } }"""
RECORD = (
    """mutation($i: RecordActivityInput!) { recordActivity(input: $i) { awards { points } } }"""
)
ACCOUNT = """{ account(memberId: "ann") { tier { name } } }"""
PREVIEW = """{ previewEarning(activity: {activityType: "stores/OrderPaid", triggerAppId: "stores",
  memberId: "ann", amount: {value: "10", currency: "USD"}}) { totalPoints awards { tierId } } }"""
LOG = """{ auditLog(filter: {kind: PROGRAM}) { edges { node { action } } } }"""


def order(key: str, amount: str) -> dict[str, Any]:
    return {
        "idempotencyKey": key,
        "memberId": "ann",
        "activityType": "stores/OrderPaid",
        "triggerAppId": "stores",
        "orderId": f"order-{key}",
        "amount": {"value": amount, "currency": "USD"},
    }


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(database_url, tmp_path) as running:
        gold = await running.add_tier(100, "Gold")
        configs = [
            {"tierId": None, "moneyAmount": "1", "points": 1},
            {"tierId": gold, "moneyAmount": "1", "points": 3},
        ]
        await running.ok(CREATE_RULE, {"r": stores_rule(conversionRate={"configs": configs})})
        yield running


async def points(api: Api, key: str, amount: str = "10") -> int:
    awards = (await api.ok(RECORD, {"i": order(key, amount)}))["recordActivity"]["awards"]
    return int(awards[0]["points"])


async def set_tier_program(api: Api, **changes: Any) -> dict[str, Any]:
    rev = (await api.ok(TIER_PROGRAM))["tierProgram"]["revision"]
    return (await api.ok(UPDATE, {"rev": rev, "t": changes}))["updateTierProgram"]  # type: ignore[no-any-return]


async def test_paused_or_disabled_tier_program_earns_at_base_rates(api: Api) -> None:
    assert (await api.ok(TIER_PROGRAM))["tierProgram"]["status"] == "ACTIVE"
    assert await points(api, "o1", "200") == 200  # base: the member reaches Gold with it
    assert await points(api, "o2") == 30  # Gold's rate
    assert (await set_tier_program(api, status="PAUSED"))["status"] == "PAUSED"
    assert await points(api, "o3") == 10
    assert (await api.ok(ACCOUNT))["account"]["tier"] == {"name": "Gold"}  # progress kept
    preview = (await api.ok(PREVIEW))["previewEarning"]
    assert (int(preview["totalPoints"]), preview["awards"]) == (10, [{"tierId": None}])
    await set_tier_program(api, status="DISABLED")
    assert await points(api, "o4") == 10
    assert (await api.ok(ACCOUNT))["account"]["tier"] is None
    await set_tier_program(api, status="ACTIVE")
    assert await points(api, "o5") == 30
    assert (await api.ok(ACCOUNT))["account"]["tier"] == {"name": "Gold"}
    actions = [e["node"]["action"] for e in (await api.ok(LOG))["auditLog"]["edges"]]
    assert actions.count("tier_program") == 3


async def test_tier_program_changes_are_checked(api: Api) -> None:
    before = (await api.ok(TIER_PROGRAM))["tierProgram"]
    rev = before["revision"]
    stale = await api.error(UPDATE, {"rev": rev + 3, "t": {"status": "PAUSED"}})
    assert stale["extensions"]["code"] == "INVALID_REVISION"
    bad = await api.error(UPDATE, {"rev": rev, "t": {"downgradeNoticeDays": 0}})
    assert (bad["extensions"]["code"], bad["extensions"]["field"]) == (
        "VALIDATION",
        "downgradeNoticeDays",
    )
    member = await api.error(UPDATE, {"rev": rev, "t": {"status": "PAUSED"}}, member_jwt("ann"))
    assert member["extensions"]["code"] == "FORBIDDEN"
    assert (await api.ok(TIER_PROGRAM))["tierProgram"] == before
    changed = await set_tier_program(api, downgradePolicy="ONE_DOWN", downgradeNoticeDays=14)
    assert changed == {
        "status": "ACTIVE",
        "downgradePolicy": "ONE_DOWN",
        "downgradeNoticeDays": 14,
        "revision": rev + 1,
    }
    off = await set_tier_program(api, downgradeNoticeDays=None)
    assert (off["downgradePolicy"], off["downgradeNoticeDays"]) == ("ONE_DOWN", None)
    # Readable by a member like the tiers themselves.
    assert (await api.ok(TIER_PROGRAM, token=member_jwt("ann")))["tierProgram"]["status"]

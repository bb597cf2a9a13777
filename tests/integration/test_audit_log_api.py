"""The admin audit log on SQLite and PostgreSQL: every change of rules, campaigns, tiers,
rewards, program settings and API keys, and every adjustment, is recorded in its own
transaction with the actor (key id and name), time and before/after/diff; `auditLog` pages and
filters them (admins and auditors only); the entries form an unbroken hash chain, also under
concurrent writers, and editing, removing or reordering any row makes `loyalty audit-log
verify` fail naming the first bad entry."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from loyalty.db.audit import audit_head, audit_log
from loyalty.services.api_keys import create_key, revoke_key
from loyalty.services.audit import Actor, acting_as, verify
from tests.integration._rules_client import (
    ADMIN_KEY,
    CREATE,
    DELETE,
    UPDATE,
    Api,
    member_jwt,
    running_api,
    stores_rule,
)
from tests.support.cli import run_cli

LOG = """query($f: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $f, first: $first, after: $after) {
    edges { cursor node { seq at actor { keyId name } kind entityId action before after diff
                          prevHash hash } }
    pageInfo { hasNextPage endCursor } } }"""
CREATE_TIER = """mutation($t: TierInput!) { createTier(tier: $t) { id revision } }"""
UPDATE_TIER = """mutation($id: ID!, $rev: Long!, $t: TierUpdate!) {
  updateTier(id: $id, revision: $rev, tier: $t) { id revision } }"""
DELETE_TIER = """mutation($id: ID!, $rev: Long!) { deleteTier(id: $id, revision: $rev) { id } }"""
CREATE_REWARD = """mutation($r: RewardInput!) { createReward(reward: $r) { id } }"""
PROGRAM = "{ loyaltyProgram { revision } }"
UPDATE_PROGRAM = """mutation($rev: Long!, $p: LoyaltyProgramUpdate!) {
  updateLoyaltyProgram(revision: $rev, program: $p) { revision } }"""
CREATE_MEMBER = """mutation($m: String!) { createMember(memberId: $m) { memberId } }"""
ADJUST = """mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { transactionId } }"""
CREATE_CAMPAIGN = """mutation($c: CampaignInput!) { createCampaign(campaign: $c) { id } }"""


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> Any:
    async with running_api(database_url, tmp_path) as running:
        yield running


async def entries(api: Api, f: dict[str, Any] | None = None, token: str = ADMIN_KEY) -> list:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await api.ok(LOG, {"f": f, "first": 3, "after": after}, token))["auditLog"]
        found += [{**e["node"], "kind": e["node"]["kind"].lower()} for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def make_changes(api: Api) -> dict[str, Any]:
    with api.runtime.engine.begin() as conn, acting_as(Actor(None, "test setup")):
        ops_key, ops = create_key(conn, role="admin", name="ops team")
    rule = (await api.ok(CREATE, {"r": stores_rule()}, ops_key))["createEarningRule"]
    updated = (
        await api.ok(UPDATE, {"id": rule["id"], "rev": 1, "u": {"title": "Spend"}}, ops_key)
    )["updateEarningRule"]
    await api.ok(DELETE, {"id": rule["id"], "rev": updated["revision"]}, ops_key)
    tier = (await api.ok(CREATE_TIER, {"t": {"name": "Gold", "requiredPoints": 100}}))["createTier"]
    await api.ok(UPDATE_TIER, {"id": tier["id"], "rev": 1, "t": {"requiredPoints": 200}})
    await api.ok(DELETE_TIER, {"id": tier["id"], "rev": 2})
    reward = {
        "name": "5 off",
        "type": "DISCOUNT_AMOUNT",
        "configsByTier": [{"tierId": None, "amount": "5", "costInPoints": 50}],
    }
    reward_id = (await api.ok(CREATE_REWARD, {"r": reward}))["createReward"]["id"]
    rev = (await api.ok(PROGRAM))["loyaltyProgram"]["revision"]
    await api.ok(UPDATE_PROGRAM, {"rev": rev, "p": {"pointValue": "0.02"}})
    await api.ok(CREATE_MEMBER, {"m": "ann"})
    adjust = {"memberId": "ann", "idempotencyKey": "a-1", "reason": "welcome", "amount": 30}
    await api.ok(ADJUST, {"i": adjust}, ops_key)
    await api.ok(ADJUST, {"i": adjust}, ops_key)  # a replay changes nothing: not recorded
    campaign = {
        "title": "Double",
        "window": {"startsAt": "2026-12-05T00:00:00Z"},
        "effect": {"multiplier": "2"},
    }
    campaign_id = (await api.ok(CREATE_CAMPAIGN, {"c": campaign}))["createCampaign"]["id"]
    with api.runtime.engine.begin() as conn, acting_as(Actor(None, "test setup")):
        revoke_key(conn, ops.id)
    return {
        "ops": ops.id,
        "rule": rule["id"],
        "tier": tier["id"],
        "reward": reward_id,
        "campaign": campaign_id,
    }


async def test_every_change_is_recorded_with_actor_and_diff(api: Api) -> None:
    ids = await make_changes(api)
    log = await entries(api)
    assert [e["seq"] for e in log] == list(range(len(log), 0, -1))  # newest first, no gaps
    got = [(e["kind"], e["action"], e["entityId"], e["actor"]["keyId"]) for e in reversed(log)]
    ops, boot = ids["ops"], "bootstrap"
    assert got == [
        ("api_key", "create", ops, None),
        ("rule", "create", ids["rule"], ops),
        ("rule", "update", ids["rule"], ops),
        ("rule", "delete", ids["rule"], ops),
        ("tier", "create", ids["tier"], boot),
        ("tier", "update", ids["tier"], boot),
        ("tier", "delete", ids["tier"], boot),
        ("reward", "create", ids["reward"], boot),
        ("program", "update", "1", boot),
        ("adjustment", "adjust", "member:1", ops),  # the row id, never the member id
        ("campaign", "create", ids["campaign"], boot),
        ("api_key", "revoke", ops, None),
    ]
    by = {(e["kind"], e["action"]): e for e in log}
    assert by[("rule", "create")]["actor"] == {"keyId": ops, "name": "ops team"}
    assert by[("tier", "create")]["actor"]["name"].startswith("bootstrap admin key")
    assert by[("api_key", "create")]["actor"] == {"keyId": None, "name": "test setup"}
    assert by[("api_key", "create")]["after"]["name"] == "ops team"
    assert "secret" not in str(by[("api_key", "create")]["after"]).lower()
    rule_update = by[("rule", "update")]
    assert rule_update["diff"]["title"] == {"before": "Buy in the store", "after": "Spend"}
    assert rule_update["diff"]["revision"] == {"before": 1, "after": 2}
    assert rule_update["before"]["title"] == "Buy in the store"
    assert by[("rule", "create")]["before"] is None
    assert by[("rule", "delete")]["after"] is None
    assert by[("tier", "update")]["diff"]["required_points"] == {"before": 100, "after": 200}
    assert by[("program", "update")]["diff"]["point_value"]["after"] == "0.02"
    adjustment = by[("adjustment", "adjust")]
    assert adjustment["diff"]["balance"] == {"before": 0, "after": 30}
    # the reason's digest, not the reason, which may name the member (erasure cannot edit it)
    assert adjustment["after"]["reasonSha256"] == hashlib.sha256(b"welcome").hexdigest()
    assert "idempotencyKey" not in adjustment["after"] and "reason" not in adjustment["after"]
    assert by[("api_key", "revoke")]["diff"] == {"revoked": {"before": False, "after": True}}
    # the chain: each entry holds the previous one's hash
    chain = list(reversed(log))
    assert chain[0]["prevHash"] == "0" * 64
    for before, after in itertools.pairwise(chain):
        assert after["prevHash"] == before["hash"]
    async with api.runtime.async_engine.connect() as conn:
        result = await verify(conn)
    assert result.broken is None and result.entries == len(log)


async def test_filters_and_cursors(api: Api) -> None:
    ids = await make_changes(api)
    rules = await entries(api, {"kind": "RULE"})
    assert [e["action"] for e in rules] == ["delete", "update", "create"]
    assert [e["action"] for e in await entries(api, {"entityId": ids["tier"]})] == [
        "delete",
        "update",
        "create",
    ]
    by_ops = await entries(api, {"actorKeyId": ids["ops"]})
    assert {e["kind"] for e in by_ops} == {"rule", "adjustment"} and len(by_ops) == 4
    everything = await entries(api)
    first, last = everything[-1]["at"], everything[0]["at"]
    assert len(await entries(api, {"from": first})) == len(everything)
    assert await entries(api, {"to": first}) == []
    assert len(await entries(api, {"from": first, "to": last})) < len(everything)
    page = (await api.ok(LOG, {"first": 2}))["auditLog"]
    cursor = page["pageInfo"]["endCursor"]
    for variables in (
        {"after": "junk"},
        {"after": cursor, "f": {"kind": "TIER"}},
    ):
        error = await api.error(LOG, {"first": 2, **variables})
        assert error["extensions"] == {"code": "VALIDATION", "field": "after"}
    for size in (0, 101):
        error = await api.error(LOG, {"first": size})
        assert error["extensions"] == {"code": "VALIDATION", "field": "first"}
    error = await api.error(LOG, {"f": {"from": last, "to": first}})
    assert error["extensions"]["code"] == "VALIDATION"
    body = await api.gql(LOG, {"f": {"who": "me"}})
    assert body.get("data") is None and body["errors"]


async def test_a_refused_change_records_nothing(api: Api) -> None:
    await api.ok(CREATE, {"r": stores_rule()})
    error = await api.error(CREATE, {"r": stores_rule()})  # the same title: DUPLICATE
    assert error["extensions"]["code"] == "DUPLICATE"
    error = await api.error(UPDATE_TIER, {"id": "nope", "rev": 1, "t": {"name": "x"}})
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert [e["action"] for e in await entries(api)] == ["create"]


async def test_who_may_read(api: Api) -> None:
    await api.ok(CREATE, {"r": stores_rule()})
    with api.runtime.engine.begin() as conn:
        auditor_key, _ = create_key(conn, role="auditor", name="audit")
    assert len(await entries(api, token=auditor_key)) == 2
    for token, code in ((member_jwt("ann"), "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        error = await api.error(LOG, {}, token)
        assert error["extensions"]["code"] == code


async def test_concurrent_changes_keep_one_chain(api: Api) -> None:
    async def tier(i: int) -> None:
        await api.ok(CREATE_TIER, {"t": {"name": f"T{i}", "requiredPoints": 10 * (i + 1)}})

    await asyncio.gather(*(tier(i) for i in range(8)))
    async with api.runtime.async_engine.connect() as conn:
        result = await verify(conn)
        seqs = (await conn.execute(select(audit_log.c.seq).order_by(audit_log.c.seq))).scalars()
        assert list(seqs) == list(range(1, 9))
    assert result.broken is None and result.entries == 8


COLUMNS = {
    "at": None,  # set below: a second later
    "actor_key_id": "someone-else",
    "actor_name": "someone else",
    "kind": "reward",
    "entity_id": "other",
    "action": "delete",
    "before": '{"title":"forged"}',
    "after": None,
    "diff": "{}",
    "prev_hash": "1" * 64,
    "hash": "2" * 64,
}


async def test_tampering_with_any_row_is_named(api: Api, tmp_path: Path) -> None:
    rule = (await api.ok(CREATE, {"r": stores_rule()}))["createEarningRule"]
    for i in range(2):
        rule = (
            await api.ok(
                UPDATE, {"id": rule["id"], "rev": rule["revision"], "u": {"title": f"R{i}"}}
            )
        )["updateEarningRule"]
    await api.ok(CREATE_TIER, {"t": {"name": "Gold", "requiredPoints": 100}})
    engine = api.runtime.async_engine

    async def check() -> Any:
        async with engine.connect() as conn:
            return await verify(conn)

    assert (await check()).broken is None
    async with engine.connect() as conn:
        original = (await conn.execute(select(audit_log).where(audit_log.c.seq == 2))).one()
    for column, value in COLUMNS.items():
        for seq in (1, 2, 4):
            async with engine.begin() as conn:
                row = (await conn.execute(select(audit_log).where(audit_log.c.seq == seq))).one()
                forged = value
                if column == "at":
                    forged = row.at.replace(microsecond=(row.at.microsecond + 1) % 1_000_000)
                await conn.execute(
                    update(audit_log).where(audit_log.c.seq == seq).values({column: forged})
                )
            broken = (await check()).broken
            assert broken is not None and broken.seq == seq, (column, seq)
            async with engine.begin() as conn:
                await conn.execute(
                    update(audit_log)
                    .where(audit_log.c.seq == seq)
                    .values({column: row._mapping[column]})
                )
            assert (await check()).broken is None, (column, seq)
    # a removed entry in the middle, or at the end, or a rewritten head
    async with engine.begin() as conn:
        await conn.execute(delete(audit_log).where(audit_log.c.seq == 2))
    broken = (await check()).broken
    assert broken is not None and broken.seq == 3 and "missing" in broken.reason
    async with engine.begin() as conn:
        await conn.execute(audit_log.insert().values(dict(original._mapping)))
        await conn.execute(delete(audit_log).where(audit_log.c.seq == 4))
    broken = (await check()).broken
    assert broken is not None and broken.seq is None
    # the CLI says so too, naming the entry, with exit status 1
    async with engine.begin() as conn:
        await conn.execute(update(audit_head).values(seq=3, hash=original.hash))
        await conn.execute(
            update(audit_log).where(audit_log.c.seq == 3).values(actor_name="mallory")
        )
    env = {"LOYALTY_DATABASE_URL": str(api.runtime.settings.database_url)}
    result = run_cli(tmp_path, env, "audit-log", "verify", process=True)
    assert result.returncode == 1, result
    assert "BROKEN at entry 3" in result.stdout


async def test_cli_verifies_a_clean_log(api: Api, tmp_path: Path) -> None:
    await api.ok(CREATE, {"r": stores_rule()})
    env = {"LOYALTY_DATABASE_URL": str(api.runtime.settings.database_url)}
    result = run_cli(tmp_path, env, "audit-log", "verify", process=True)
    assert result.returncode == 0, result
    assert "1 entries, chain unbroken" in result.stdout


SET_LIMITS = """mutation($r: ID, $l: EarningLimitsInput) {
  setEarningLimits(earningRuleId: $r, limits: $l) { perMember { points } } }"""


async def test_earning_limits_changes_are_recorded(api: Api) -> None:
    rule = (await api.ok(CREATE, {"r": stores_rule()}))["createEarningRule"]["id"]
    limits = {"perMember": {"points": 100, "period": "ROLLING_DAYS", "days": 7}}
    await api.ok(SET_LIMITS, {"r": rule, "l": limits})
    await api.ok(SET_LIMITS, {"r": rule, "l": None})
    log = await entries(api, {"entityId": rule})
    assert [(e["kind"], e["action"]) for e in log] == [
        ("rule", "set_limits"),
        ("rule", "set_limits"),
        ("rule", "create"),
    ]
    removed, added = log[0], log[1]
    assert added["before"] is None and added["after"]["per_member"]["points"] == 100
    assert removed["before"]["per_member"]["points"] == 100 and removed["after"] is None

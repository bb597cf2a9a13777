"""`transactions(filter, orderBy, first, after)` over HTTP on SQLite and PostgreSQL: the whole
program's ledger, made through the real mutations (activities, an adjustment, a refund), with
every filter, both directions walked page by page, each entry's chain status (pending, batched,
final with its batch id and transaction hash), cursors, page sizes and who may read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from loyalty.db.ledger import ledger_entries
from loyalty.db.outbox import BATCHED, FINAL, chain_requests
from loyalty.runtime import Runtime
from loyalty.services.api_keys import create_key
from minter.tables import mint_batches
from tests.integration._rules_client import CREATE, Api, member_jwt, running_api, stores_rule

LIST = """query($f: TransactionFilter, $o: TransactionOrder, $first: Int, $after: String) {
  transactions(filter: $f, orderBy: $o, first: $first, after: $after) {
    edges { cursor node { id memberId transactionType amount balanceChange balanceAfter
      earningRuleId earningRuleRevision campaignId orderId reversesTransactionId description
      createdDate
      chain { state final kind amount address batch batchId batchStatus txHash blockNumber } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
ACTIVITY = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) {
  awards { transactionId } } }"""
REFUND = """mutation($i: RecordRefundInput!) { recordRefund(input: $i) { pointsReversed } }"""
ADJUST = """mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { transactionId } }"""

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TX_HASH = "0x" + "ab" * 32
BATCH_ID = "0x" + "0" * 63 + "1"


class Clock:
    def __init__(self, runtime: Runtime) -> None:
        self.at = T0
        runtime.clock = self

    def now(self) -> datetime:
        return self.at


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> Any:
    async with running_api(database_url, tmp_path) as running:
        rule = (await running.ok(CREATE, {"r": stores_rule()}))["createEarningRule"]["id"]
        clock = Clock(running.runtime)

        async def buy(member: str, order: str, amount: str, hour: int) -> None:
            clock.at = T0 + timedelta(hours=hour)
            await running.ok(
                ACTIVITY,
                {
                    "i": {
                        "idempotencyKey": f"buy-{order}",
                        "memberId": member,
                        "activityType": "stores/OrderPaid",
                        "triggerAppId": "stores",
                        "orderId": order,
                        "amount": {"value": amount, "currency": "USD"},
                    }
                },
            )

        await buy("ann", "o-1", "10", 0)  # 1: ann EARN 20
        await buy("bob", "o-2", "5", 1)  # 2: bob EARN 10
        await buy("ann", "o-3", "3", 2)  # 3: ann EARN 6
        clock.at = T0 + timedelta(hours=3)
        adjust = {"memberId": "bob", "idempotencyKey": "adj-1", "reason": "sorry", "amount": -4}
        await running.ok(ADJUST, {"i": adjust})  # 4: bob ADJUST -4
        clock.at = T0 + timedelta(hours=4)
        refund = {"idempotencyKey": "ref-1", "orderId": "o-1", "amount": "5"}
        await running.ok(REFUND, {"i": refund})  # 5: ann REVERSE -10
        await buy("cy", "o-4", "1", 5)  # 6: cy EARN 2
        async with running.runtime.async_engine.begin() as conn:
            ids = (
                (await conn.execute(select(ledger_entries.c.id).order_by(ledger_entries.c.id)))
                .scalars()
                .all()
            )
            # What the minter would have done: entry 1 minted and final, entry 2 in flight.
            batches = {}
            for status in ("FINAL", "INCLUDED"):
                batches[status] = (
                    await conn.execute(
                        mint_batches.insert()
                        .values(
                            chain_id=31337,
                            token_address="0x" + "11" * 20,
                            batch_id=BATCH_ID if status == "FINAL" else None,
                            kind="MINT",
                            status=status,
                            recipients=1,
                            total=1,
                            tx_hash=TX_HASH if status == "FINAL" else None,
                            block_number=7 if status == "FINAL" else None,
                            created_at=T0,
                            updated_at=T0,
                        )
                        .returning(mint_batches.c.id)
                    )
                ).scalar_one()
            for entry, status, batch in ((ids[0], FINAL, "FINAL"), (ids[1], BATCHED, "INCLUDED")):
                await conn.execute(
                    chain_requests.update()
                    .where(chain_requests.c.ledger_entry_id == entry)
                    .values(status=status, batch_id=batches[batch])
                )
        running.rule = rule  # type: ignore[attr-defined]
        running.ids = [str(i) for i in ids]  # type: ignore[attr-defined]
        running.batches = batches  # type: ignore[attr-defined]
        yield running


async def walk(
    api: Api,
    f: dict[str, Any] | None,
    size: int,
    direction: str | None = None,
    token: str | None = None,
) -> list[dict[str, Any]]:
    order = {"direction": direction} if direction else None
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        variables = {"f": f, "o": order, "first": size, "after": after}
        page = (
            await (api.ok(LIST, variables) if token is None else api.ok(LIST, variables, token))
        )["transactions"]
        nodes += [e["node"] for e in page["edges"]]
        assert len(nodes) < 50
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def ids_of(nodes: list[dict[str, Any]]) -> list[int]:
    return [int(n["id"]) for n in nodes]


async def test_the_whole_ledger_both_ways_in_pages(api: Api) -> None:
    ids = [int(i) for i in api.ids]  # type: ignore[attr-defined]
    assert len(ids) == 6
    for size in (1, 2, 4, 100):
        assert ids_of(await walk(api, None, size)) == ids[::-1], size
        assert ids_of(await walk(api, None, size, "ASC")) == ids, size
    nodes = await walk(api, None, 100, "ASC")
    assert [
        (n["memberId"], n["transactionType"], n["amount"], n["balanceAfter"]) for n in nodes
    ] == [
        ("ann", "EARN", 20, 20),
        ("bob", "EARN", 10, 10),
        ("ann", "EARN", 6, 26),
        ("bob", "ADJUST", -4, 6),
        ("ann", "REVERSE", -10, 16),
        ("cy", "EARN", 2, 2),
    ]
    assert nodes[0]["orderId"] == "o-1" and nodes[3]["orderId"] is None
    assert nodes[0]["earningRuleId"] == api.rule  # type: ignore[attr-defined]
    assert nodes[4]["reversesTransactionId"] == str(ids[0])


async def test_chain_status_of_each_entry(api: Api) -> None:
    nodes = await walk(api, None, 100, "ASC")
    batches = api.batches  # type: ignore[attr-defined]
    assert nodes[0]["chain"] == {
        "state": "FINAL",
        "final": True,
        "kind": "MINT",
        "amount": 20,
        "address": nodes[0]["chain"]["address"],
        "batch": batches["FINAL"],
        "batchId": BATCH_ID,
        "batchStatus": "FINAL",
        "txHash": TX_HASH,
        "blockNumber": 7,
    }
    assert nodes[1]["chain"]["state"] == "BATCHED" and nodes[1]["chain"]["final"] is False
    assert nodes[1]["chain"]["batchStatus"] == "INCLUDED" and nodes[1]["chain"]["txHash"] is None
    assert nodes[3]["chain"]["kind"] == "BURN" and nodes[3]["chain"]["amount"] == 4
    assert nodes[3]["chain"]["state"] == "PENDING" and nodes[3]["chain"]["batch"] is None
    assert nodes[4]["chain"]["kind"] == "BURN" and nodes[4]["chain"]["amount"] == 10


async def test_filters(api: Api) -> None:
    ids = [int(i) for i in api.ids]  # type: ignore[attr-defined]

    async def found(f: dict[str, Any]) -> list[int]:
        got = ids_of(await walk(api, f, 2, "ASC"))
        assert ids_of(await walk(api, f, 1)) == got[::-1]
        return got

    assert await found({"memberId": "ann"}) == [ids[0], ids[2], ids[4]]
    assert await found({"types": ["EARN"]}) == [ids[0], ids[1], ids[2], ids[5]]
    assert await found({"types": ["ADJUST", "REVERSE"]}) == [ids[3], ids[4]]
    assert await found({"memberId": "ann", "types": ["EARN"]}) == [ids[0], ids[2]]
    # the rule's awards and the reversal of one (it names the rule it takes back)
    rule = api.rule  # type: ignore[attr-defined]
    assert await found({"ruleId": rule}) == [ids[0], ids[1], ids[2], ids[4], ids[5]]
    assert await found({"ruleId": rule, "types": ["REVERSE"]}) == [ids[4]]
    assert await found({"ruleId": "no-such-rule"}) == []
    assert await found({"campaignId": "no-such-campaign"}) == []
    assert await found({"orderId": "o-1"}) == [ids[0], ids[4]]
    assert await found({"orderId": "o-404"}) == []
    hour = lambda h: (T0 + timedelta(hours=h)).isoformat()  # noqa: E731
    assert await found({"from": hour(1)}) == ids[1:]
    assert await found({"to": hour(1)}) == [ids[0]]
    assert await found({"from": hour(1), "to": hour(4)}) == [ids[1], ids[2], ids[3]]
    assert await found({"from": hour(1), "to": hour(4), "memberId": "bob"}) == [ids[1], ids[3]]


async def test_bad_input(api: Api) -> None:
    for size in (0, 101):
        error = await api.error(LIST, {"first": size})
        assert error["extensions"] == {"code": "VALIDATION", "field": "first"}
    page = (await api.ok(LIST, {"first": 2}))["transactions"]
    cursor = page["pageInfo"]["endCursor"]
    for variables in (
        {"after": "garbage"},
        {"after": cursor, "o": {"direction": "ASC"}},
        {"after": cursor, "f": {"types": ["EARN"]}},
    ):
        error = await api.error(LIST, {"first": 2, **variables})
        assert error["extensions"] == {"code": "VALIDATION", "field": "after"}, variables
    hour = (T0 + timedelta(hours=1)).isoformat()
    for f, code, field in [
        ({"types": []}, "VALIDATION", "types"),
        ({"from": hour, "to": hour}, "VALIDATION", "from"),
        ({"memberId": "nobody"}, "NOT_FOUND", "memberId"),
        ({"orderId": ""}, "VALIDATION", "orderId"),
    ]:
        error = await api.error(LIST, {"f": f})
        assert (error["extensions"]["code"], error["extensions"].get("field")) == (code, field), f
    body = await api.gql(LIST, {"f": {"types": ["GIFT"]}})
    assert body.get("data") is None and body["errors"]
    body = await api.gql(LIST, {"f": {"member": "ann"}})
    assert body.get("data") is None and "member" in body["errors"][0]["message"]


async def test_who_may_read(api: Api) -> None:
    with api.runtime.engine.begin() as conn:
        auditor_key, _ = create_key(conn, role="auditor", name="audit")
    assert len(await walk(api, None, 100, token=auditor_key)) == 6
    ann = member_jwt("ann")
    mine = await walk(api, None, 100, token=ann)
    assert {n["memberId"] for n in mine} == {"ann"} and len(mine) == 3
    assert len(await walk(api, {"memberId": "ann"}, 1, token=ann)) == 3
    error = await api.error(LIST, {"f": {"memberId": "bob"}}, token=ann)
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = await api.error(LIST, {}, token=None)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_each_node_reaches_its_account(api: Api) -> None:
    query = """{ transactions(first: 2) { nodes { memberId account { memberId
      points { balance } } } } }"""
    nodes = (await api.ok(query))["transactions"]["nodes"]
    assert nodes == [
        {"memberId": "cy", "account": {"memberId": "cy", "points": {"balance": 2}}},
        {"memberId": "ann", "account": {"memberId": "ann", "points": {"balance": 16}}},
    ]


async def test_transfer_entries_are_listed(api: Api) -> None:
    """A member's own transfer on chain (posted by the transfer feed) is a ledger entry too."""
    async with api.runtime.async_engine.begin() as conn:
        first = select(ledger_entries.c.member_pk).order_by(ledger_entries.c.id).limit(1)
        ann = (await conn.execute(first)).scalar_one()  # ann's first EARN
        await conn.execute(
            ledger_entries.insert().values(
                member_pk=ann,
                type="TRANSFER_OUT",
                points=-3,
                delta=-3,
                balance_after=13,
                description="sent on chain",
                created_at=T0 + timedelta(hours=9),
            )
        )
    nodes = await walk(api, {"types": ["TRANSFER_OUT", "TRANSFER_IN"]}, 10)
    assert [(n["transactionType"], n["amount"], n["chain"]) for n in nodes] == [
        ("TRANSFER_OUT", -3, None)
    ]
    query = """{ account(memberId: "ann") { transactions(first: 1) {
      nodes { transactionType } } } }"""
    account = (await api.ok(query))["account"]
    assert account["transactions"]["nodes"] == [{"transactionType": "TRANSFER_OUT"}]

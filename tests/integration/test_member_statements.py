"""Signed statements over HTTP (issue 17, item 6), on SQLite and PostgreSQL: memberStatement for
the member, admins and auditors only; the reply's typed data recovers, with eth_account as any
wallet library would, to the configured statement key's address; its figures are the member's
ledger figures and its root the one memberProof serves, said to be published only while nothing
is committed on chain; a changed figure or another token's domain recovers someone else; and a
service without a statement key refuses with a typed error."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from api.app import create_app
from loyalty.deploy import statement_signer
from loyalty.domain.rules import ConversionRateConfig, RuleInput
from loyalty.domain.statement import PUBLISHED
from loyalty.services.api_keys import create_key
from loyalty.services.rules import create_rule
from tests.integration._rules_client import Api, member_jwt, running_api

KEY = "0x" + "5a" * 32
STATEMENT = """query($m: String!) { memberStatement(memberId: $m) {
  memberId account balance heldPoints debt root rootStatus rootBlock ledgerEntryId issuedAt
  signer signature typedData } }"""
PROOF = "query($m: String!) { memberProof(memberId: $m) { leaf { address } root { hash } } }"
ADJUST = """mutation($m: String!, $k: String!, $n: Int!) { adjustPoints(input:
  {memberId: $m, idempotencyKey: $k, reason: "test", amount: $n}) { amount } }"""
CREATE = """mutation($m: String!) { createMember(memberId: $m) { memberId } }"""


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(database_url, tmp_path, statement_key=KEY) as running:
        for member, points in (("ann", 120), ("bob", 7)):
            await running.ok(CREATE, {"m": member})
            await running.ok(ADJUST, {"m": member, "k": f"{member}-a", "n": points})
        yield running


def recover(statement: dict[str, Any], document: dict[str, Any] | None = None) -> str:
    typed = document if document is not None else json.loads(statement["typedData"])
    message = encode_typed_data(full_message=typed)
    return str(Account.recover_message(message, signature=statement["signature"]))


async def test_a_statement_recovers_to_the_statement_key(api: Api) -> None:
    data = await api.ok(STATEMENT, {"m": "ann"}, member_jwt("ann"))
    s = data["memberStatement"]
    signer = Account.from_key(KEY).address
    assert s["signer"] == signer
    assert recover(s) == signer
    assert statement_signer(api.runtime.chain, api.runtime.deployment.address) == signer
    proof = (await api.ok(PROOF, {"m": "ann"}))["memberProof"]
    assert (s["balance"], s["heldPoints"], s["debt"]) == ("120", "0", "0")
    assert s["account"].lower() == proof["leaf"]["address"].lower()
    assert s["root"] == proof["root"]["hash"]
    assert (s["rootStatus"], s["rootBlock"]) == (PUBLISHED, None)
    typed = json.loads(s["typedData"])
    d = api.runtime.deployment
    assert typed["domain"] == {
        "name": "LoyaltyPoints statement",
        "version": "1",
        "chainId": str(d.chain_id),
        "verifyingContract": d.address,
    }
    assert typed["message"]["memberId"] == "ann"
    assert typed["message"]["balance"] == "120" and typed["message"]["root"] == s["root"]
    assert int(typed["message"]["ledgerEntry"]) == s["ledgerEntryId"]

    # The typed data as ints (what eth_signTypedData_v4 callers often pass) recovers the same.
    as_ints = {**typed, "message": {**typed["message"], "balance": 120}}
    as_ints["domain"] = {**typed["domain"], "chainId": d.chain_id}
    assert recover(s, as_ints) == signer
    # Anything changed recovers another address: a statement cannot be edited.
    for field, value in (("balance", "121"), ("debt", "1"), ("memberId", "bob")):
        forged = {**typed, "message": {**typed["message"], field: value}}
        assert recover(s, forged) != signer, field
    other_token = {**typed, "domain": {**typed["domain"], "verifyingContract": "0x" + "11" * 20}}
    assert recover(s, other_token) != signer


async def test_a_statement_follows_the_ledger(api: Api) -> None:
    before = (await api.ok(STATEMENT, {"m": "bob"}))["memberStatement"]
    await api.ok(ADJUST, {"m": "bob", "k": "bob-b", "n": 30})
    after = (await api.ok(STATEMENT, {"m": "bob"}))["memberStatement"]
    assert (before["balance"], after["balance"]) == ("7", "37")
    assert after["root"] != before["root"]
    assert after["ledgerEntryId"] > before["ledgerEntryId"]
    assert recover(after) == Account.from_key(KEY).address


BUY = """mutation($k: String!, $m: String!) { recordActivity(input: {idempotencyKey: $k,
  memberId: $m, activityType: "stores/OrderPaid", triggerAppId: "stores", orderId: $k,
  amount: {value: "30", currency: "USD"}}) { awards { points } } }"""


async def test_held_points_are_stated_beside_the_balance(api: Api) -> None:
    rule = RuleInput(
        title="Held purchase",
        trigger_app_id="stores",
        trigger_activity_type="stores/OrderPaid",
        conversion_rate=(ConversionRateConfig(None, Decimal(1), 1),),
        hold_days=14,
    )
    await create_rule(api.runtime.unit_of_work(), rule)
    await api.ok(BUY, {"k": "order-1", "m": "bob"})
    s = (await api.ok(STATEMENT, {"m": "bob"}))["memberStatement"]
    assert (s["balance"], s["heldPoints"]) == ("7", "30")  # held: in no balance yet
    assert json.loads(s["typedData"])["message"]["heldPoints"] == "30"
    assert recover(s) == Account.from_key(KEY).address


async def test_who_may_read_a_statement(api: Api) -> None:
    with api.runtime.engine.begin() as conn:
        auditor, _ = create_key(conn, role="auditor", name="audit")
    assert (await api.ok(STATEMENT, {"m": "ann"}, auditor))["memberStatement"]["memberId"] == "ann"
    denied = await api.error(STATEMENT, {"m": "bob"}, member_jwt("ann"))
    assert denied["extensions"]["code"] == "FORBIDDEN"
    anonymous = await api.error(STATEMENT, {"m": "ann"}, None)
    assert anonymous["extensions"]["code"] == "UNAUTHENTICATED"
    unknown = await api.error(STATEMENT, {"m": "nobody"})
    assert unknown["extensions"]["code"] == "NOT_FOUND"


async def test_without_a_statement_key_on_a_node_statements_are_refused(
    database_url: str, tmp_path: Path
) -> None:
    async with running_api(database_url, tmp_path) as running:
        await running.ok(CREATE, {"m": "ann"})
        # What a deployment on a node without LOYALTY_STATEMENT_KEY has: no key to sign with.
        # The API reads its config once, at start: a second app over the same runtime.
        node = running.runtime.settings.with_(rpc_url="http://127.0.0.1:9")
        transport = httpx.ASGITransport(app=create_app(node, running.runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            refused = await Api(client, running.runtime).error(STATEMENT, {"m": "ann"})
    assert refused["extensions"]["code"] == "UNAVAILABLE"
    assert "LOYALTY_STATEMENT_KEY" in refused["message"]

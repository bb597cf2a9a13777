"""The docker-compose topology as separate processes on this machine: PostgreSQL, anvil (Polygon
Amoy's chain id), a one-shot deploy, and the api, minter and indexer services.

Everything goes through HTTP only: GraphQL and signed webhooks to the API, JSON-RPC to the node
(for `balanceOf`). Midway, each service is SIGKILLed and restarted; webhook senders retry until
they get a 2xx, as Wix and Standard Webhooks senders do. At the end every member's ledger balance
equals the indexed balance equals `balanceOf`, the outbox is empty and the audit is clean: nothing
lost, nothing counted twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector

from tests.support.anvil import ANVIL_KEYS, AnvilNode, free_port
from tests.support.webhooks import (
    SECRET_NEW,
    WIX_PUBLIC_PEM,
    activity_event,
    checkout_completed,
    payment_status,
    standard_request,
)

pytestmark = [pytest.mark.timeout(600)]

BIN = Path(sys.executable).parent / "loyalty"
ADMIN_KEY = "e2e-admin-" + uuid.uuid4().hex
MEMBERS = [f"m{i:02d}" for i in range(12)]
WAIT_S = 120


@dataclass
class Service:
    """One `loyalty …` process of the topology, restartable, its output kept in a log file."""

    name: str
    args: list[str]
    env: dict[str, str]
    logdir: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        self.starts += 1
        log = (self.logdir / f"{self.name}.{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [str(BIN), *self.args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def logs(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-3000:]
            for p in sorted(self.logdir.glob(f"{self.name}.*"))
        )


@dataclass
class Topology:
    anvil: AnvilNode
    api_url: str
    services: dict[str, Service] = field(default_factory=dict)
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        reply = self.http.post(
            f"{self.api_url}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        )
        body = reply.json()
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def deliver(self, path: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        """At-least-once delivery, like Wix's retries: retry until the API answers 2xx."""
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                reply = self.http.post(f"{self.api_url}{path}", content=body, headers=headers)
                if reply.status_code == 200:
                    return reply.json()
                assert reply.status_code >= 500, (reply.status_code, reply.text)
            except httpx.TransportError:
                pass  # the API is down (killed on purpose): retry
            assert time.monotonic() < deadline, f"{path} never accepted"
            time.sleep(0.2)

    def balance_of(self, token: str, address: str) -> int:
        data = function_signature_to_4byte_selector("balanceOf(address)") + encode(
            ["address"], [address]
        )
        raw = self.anvil.rpc("eth_call", [{"to": token, "data": "0x" + data.hex()}, "latest"])
        return int(decode(["uint256"], bytes.fromhex(raw[2:]))[0])


def wait_until(what: str, check: Callable[[], bool], topo: Topology | None = None) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.TransportError, AssertionError, KeyError):
            pass
        time.sleep(0.5)
    logs = "\n".join(f"--- {s.name}\n{s.logs()}" for s in (topo.services.values() if topo else []))
    pytest.fail(f"timed out waiting until {what}\n{logs}")


@pytest.fixture
def topology(postgres_url: str, anvil_factory, tmp_path: Path) -> Iterator[Topology]:
    # Polygon Amoy's chain id; 1 s blocks; `finalized` trails the head by 2 blocks.
    anvil = anvil_factory("--block-time", "1", "--slots-in-an-epoch", "1", chain_id=80002)
    api_port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")},
        "LOYALTY_DATABASE_URL": postgres_url,
        "LOYALTY_RPC_URL": anvil.url,
        "LOYALTY_CHAIN_ID": "80002",
        "LOYALTY_DEPLOYER_KEY": ANVIL_KEYS[0],
        "LOYALTY_MINTER_KEY": ANVIL_KEYS[1],
        "LOYALTY_ADMIN_API_KEY": ADMIN_KEY,
        "LOYALTY_WIX_PUBLIC_KEY": WIX_PUBLIC_PEM,
        "LOYALTY_WEBHOOK_SECRETS": SECRET_NEW,
        "LOYALTY_CUSTODY_MNEMONIC": "test test test test test test test test test test test junk",
        "LOYALTY_MINTER_BATCH_AGE": "1",
        "LOYALTY_MINTER_POLL_INTERVAL": "0.5",
        "LOYALTY_MINTER_MIN_PRIORITY_FEE_GWEI": "1",
        "LOYALTY_LOG_LEVEL": "INFO",
    }
    deploy = subprocess.run(
        [str(BIN), "deploy", "--if-missing", "--json"], env=env, capture_output=True, timeout=120
    )
    assert deploy.returncode == 0, deploy.stderr.decode()
    topo = Topology(anvil=anvil, api_url=f"http://127.0.0.1:{api_port}")
    topo.token = json.loads(deploy.stdout)["address"]  # type: ignore[attr-defined]
    for name, args in {
        "api": ["api", "--port", str(api_port)],
        "minter": ["minter", "--metrics-port", str(free_port())],
        "indexer": ["indexer", "--metrics-port", str(free_port())],
    }.items():
        topo.services[name] = Service(name, args, env, tmp_path)
        topo.services[name].start()
    wait_until("the API answers", lambda: topo.http.get(f"{topo.api_url}/healthz").is_success)
    try:
        yield topo
    finally:
        for service in topo.services.values():
            service.stop()
        topo.http.close()


@dataclass
class Ledger:
    """The test's own model of what every member should hold (independent of the service)."""

    points: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MEMBERS, 0))
    orders: dict[str, tuple[str, Decimal, int]] = field(default_factory=dict)

    def earn_order(self, member: str, order: str, total: Decimal, rate: int) -> None:
        awarded = int(total * rate)  # floor for positive amounts
        self.points[member] += awarded
        self.orders[order] = (member, total, awarded)

    def refund(self, order: str, refunded_total: Decimal) -> None:
        member, total, awarded = self.orders[order]
        self.points[member] -= int(awarded * refunded_total / total)


def test_topology_exactly_once_through_kills_and_restarts(topology: Topology) -> None:
    topo = topology
    model = Ledger()

    # Program set-up, through GraphQL.
    topo.gql(
        """mutation($r: EarningRuleInput!) { createEarningRule(earningRule: $r) { id } }""",
        r={
            "title": "2 points per dollar",
            "triggerAppId": "stores",
            "triggerActivityType": "stores/OrderPaid",
            "conversionRate": {"configs": [{"tierId": None, "moneyAmount": "1", "points": 2}]},
        },
    )
    topo.gql(
        """mutation($r: EarningRuleInput!) { createEarningRule(earningRule: $r) { id } }""",
        r={
            "title": "A review",
            "triggerAppId": "reviews",
            "triggerActivityType": "reviews/ReviewCreated",
            "fixedAmount": {"configs": [{"tierId": None, "points": 15}]},
        },
    )
    # A tier no member reaches: tiers exist, but every award uses the base rate checked below.
    topo.gql('mutation { createTier(tier: {name: "Gold", requiredPoints: 9000000}) { id } }')
    reward = topo.gql(
        """mutation { createReward(reward: {name: "5 off", type: DISCOUNT_AMOUNT,
             configsByTier: [{tierId: null, amount: "5.00", costInPoints: 40}]}) { id } }"""
    )["createReward"]["id"]

    def purchase(i: int, member: str, total: str) -> None:
        order, checkout = f"order-{i}", f"checkout-{i}"
        body = checkout_completed(f"evt-co-{i}", checkout, member, total)
        first = topo.deliver("/webhooks/wix", body, {"content-type": "text/plain"})
        again = topo.deliver("/webhooks/wix", body, {"content-type": "text/plain"})  # redelivery
        assert again["duplicate"] is True and first["duplicate"] is False
        # The same order arrives a second way, as a PAID payment-status event: no second award.
        paid = payment_status(f"evt-paid-{i}", order, checkout, member, total, "PAID")
        topo.deliver("/webhooks/wix", paid, {"content-type": "text/plain"})
        model.earn_order(member, checkout, Decimal(total), 2)

    def review(member: str) -> None:
        body, headers = standard_request(activity_event(member))
        topo.deliver("/webhooks/events", body, headers)
        topo.deliver("/webhooks/events", body, headers)  # redelivered with the same webhook-id
        model.points[member] += 15

    # Phase 1: traffic, with each service killed and restarted in turn while it flows.
    for n, member in enumerate(MEMBERS):
        purchase(n, member, f"{20 + 7 * n}.{n % 10}9")
        review(member)
        if n == 3:
            topo.services["minter"].kill()
        if n == 5:
            topo.services["minter"].start()
            topo.services["indexer"].kill()
        if n == 7:
            topo.services["indexer"].start()
            topo.services["api"].kill()  # in-flight deliveries fail and are retried
            topo.services["api"].start()
    # Refunds: a full one and two partials of one order (Wix sends the running refunded total).
    member0, total0, _ = model.orders["checkout-0"]
    topo.deliver(
        "/webhooks/wix",
        payment_status(
            "evt-refund-0", "order-0", "checkout-0", member0, str(total0), "FULLY_REFUNDED"
        ),
        {"content-type": "text/plain"},
    )
    model.refund("checkout-0", total0)
    member1, total1, _ = model.orders["checkout-1"]
    for step, refunded in enumerate(("10.00", "15.00")):
        topo.deliver(
            "/webhooks/wix",
            payment_status(
                f"evt-refund-1-{step}",
                "order-1",
                "checkout-1",
                member1,
                str(total1),
                "PARTIALLY_REFUNDED",
                refunded=refunded,
            ),
            {"content-type": "text/plain"},
        )
    model.refund("checkout-1", Decimal("15.00"))

    # Webhooks are answered once stored; the API processes them just after.
    def inbox_empty() -> bool:
        inbox = topo.gql("{ webhookInbox { pending retrying failed } }")["webhookInbox"]
        assert inbox["failed"] == 0, inbox
        return inbox["pending"] == inbox["retrying"] == 0

    wait_until("every webhook is processed", inbox_empty, topo)

    # Redemptions (some members can afford it, m00 cannot after its refund).
    for member in MEMBERS[2:6]:
        result = topo.gql(
            """mutation($m: String!, $r: ID!, $k: String!) {
                 redeemReward(memberId: $m, rewardId: $r, idempotencyKey: $k) { couponCode } }""",
            m=member,
            r=reward,
            k=f"redeem-{member}",
        )
        assert result["redeemReward"]["couponCode"]
        model.points[member] -= 40

    # Everything final on chain and indexed.
    def settled() -> bool:
        status = topo.gql("{ mintingStatus { outboxDepth } indexerStatus { indexedBlock } }")
        final = topo.gql("{ indexerStatus { finalizedBlock indexedBlock } }")["indexerStatus"]
        return (
            inbox_empty()
            and status["mintingStatus"]["outboxDepth"] == 0
            and final["indexedBlock"] is not None
            and final["finalizedBlock"] is not None
            and final["indexedBlock"] >= final["finalizedBlock"]
        )

    wait_until("every request is final and indexed", settled, topo)
    head = int(topo.anvil.rpc("eth_blockNumber"), 16)
    wait_until(
        "the indexer reaches the head",
        lambda: (
            topo.gql("{ indexerStatus { indexedBlock } }")["indexerStatus"]["indexedBlock"] >= head
        ),
        topo,
    )

    # Balances: the ledger, the index and the chain agree with the test's own model.
    total = 0
    for member in MEMBERS:
        account = topo.gql(
            """query($m: String!) { account(memberId: $m) {
                 receivingAddress points { balance pending onchain } } }""",
            m=member,
        )["account"]
        expected = model.points[member]
        assert account["points"]["balance"] == expected, member
        assert account["points"]["pending"] == 0, member
        assert int(account["points"]["onchain"]) == expected, member
        assert topo.balance_of(topo.token, account["receivingAddress"]) == expected, member
        total += expected
    supply = topo.gql("{ token { totalSupply } }")["token"]["totalSupply"]
    assert int(supply) == total

    # Every batch the minter made is final; none is left in flight or waiting.
    status = topo.gql("{ mintingStatus { batches { status count } } }")["mintingStatus"]
    unfinished = {b["status"]: b["count"] for b in status["batches"] if b["status"] != "FINAL"}
    assert sum(unfinished.values()) == 0, unfinished

    # The audit is clean at the indexed finalized block, through GraphQL and the CLI.
    block = topo.gql("{ indexerStatus { finalizedBlock } }")["indexerStatus"]["finalizedBlock"]
    report = topo.gql(
        """query($b: Long!) {
             audit(block: $b) { clean ledgerStatus digest findings { code message } } }""",
        b=block,
    )["audit"]
    assert report["clean"], report["findings"]
    assert report["ledgerStatus"] == "CLEAN"
    cli = subprocess.run(
        [str(BIN), "audit", "--block", str(block), "--json"],
        env=topo.services["api"].env,
        capture_output=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stdout.decode() + cli.stderr.decode()
    assert json.loads(cli.stdout)["digest"] == report["digest"]

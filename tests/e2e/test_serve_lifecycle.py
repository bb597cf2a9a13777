"""`loyalty serve` as a user runs it: a real process on the embedded default (SQLite file and
in-process chain in its working directory), stopped with Ctrl-C (SIGINT) while mints are still
pending, started again on the same files, and stopped with SIGTERM. Each stop exits 0 without a
traceback and closes the database and the chain's state file (SQLite leaves no WAL behind);
after the restart every awarded point is minted exactly once, on the same token.

Also `loyalty serve --demo` twice on a fresh directory: the demo program appears once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.anvil import free_port

pytestmark = [pytest.mark.timeout(300)]

BIN = Path(sys.executable).parent / "loyalty"
ADMIN_KEY = "serve-admin-" + uuid.uuid4().hex
WAIT_S = 120
RATE = 2  # points per dollar
RECORD = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) {
  awards { points } } }"""
ACCOUNT = """query($m: String!) { account(memberId: $m) { points { balance pending onchain } } }"""


@dataclass
class Serve:
    """One `loyalty serve` process in `workdir`, its output in a log file per start."""

    workdir: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    @property
    def log(self) -> Path:
        return self.workdir / f"serve.{self.starts}.log"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def start(self, *extra: str) -> None:
        self.starts += 1
        self.process = subprocess.Popen(
            [str(BIN), "serve", "--port", str(self.port), *extra],
            cwd=self.workdir,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        wait_until("GraphiQL answers", lambda: "dashboard:" in self.output() and self.ping(), self)

    def ping(self) -> bool:
        return self.http.get(f"http://127.0.0.1:{self.port}/healthz").status_code == 200

    def stop(self, sig: signal.Signals) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        try:
            return self.process.wait(WAIT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"loyalty serve did not stop on {sig.name}\n{self.output()}")

    def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        reply = self.http.post(
            f"http://127.0.0.1:{self.port}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        )
        body = reply.json()
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def token_line(self) -> str:
        found = re.search(r"^token .*$", self.output(), re.M)
        assert found, self.output()
        return found.group(0)


def wait_until(what: str, check: Callable[[], bool], serve: Serve) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if serve.process is not None and serve.process.poll() is not None:
            pytest.fail(f"loyalty serve exited ({serve.process.returncode})\n{serve.output()}")
        try:
            if check():
                return
        except (httpx.TransportError, AssertionError, KeyError):
            pass
        time.sleep(0.3)
    pytest.fail(f"timed out waiting until {what}\n{serve.output()}")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")}
    env.update(
        LOYALTY_ADMIN_API_KEY=ADMIN_KEY,
        LOYALTY_MINTER_POLL_INTERVAL="0.2",
        # Batches of 3 go at once; the last 2 purchases wait 20 s for company, so they are
        # still pending at Ctrl-C even on a loaded machine (8 s was once not enough).
        LOYALTY_MINTER_BATCH_AGE="20",
        LOYALTY_MINTER_BATCH_SIZE="3",
    )
    s = Serve(tmp_path, env)
    yield s
    if s.process is not None and s.process.poll() is None:
        s.process.kill()
        s.process.wait()


def assert_clean_stop(serve: Serve, code: int) -> None:
    out = serve.output()
    assert code == 0, out
    assert "Traceback" not in out, out
    assert "stopped cleanly" in out, out
    # The last connection to a WAL-mode SQLite file checkpoints and removes the WAL: both the
    # database and the chain's state file were closed.
    leftovers = sorted(p.name for p in serve.workdir.glob("*-wal"))
    assert leftovers == [], (leftovers, out)


def test_ctrl_c_with_mints_pending_loses_nothing(serve: Serve) -> None:
    serve.start()
    out = serve.output()
    assert f"GraphiQL: http://127.0.0.1:{serve.port}/graphql" in out
    assert f"dashboard: http://127.0.0.1:{serve.port}/dashboard/" in out
    # A new user learns at start why a webhook would be answered 503, and what to set.
    assert "/webhooks/events off until LOYALTY_WEBHOOK_SECRETS is set" in out
    assert "/webhooks/wix off until LOYALTY_WIX_PUBLIC_KEY is set" in out
    assert "LOYALTY_ADMIN_API_KEY" in out and ADMIN_KEY not in out
    token = serve.token_line()
    assert (serve.workdir / "loyalty.db").exists()
    assert (serve.workdir / "loyalty-chain.state").exists()
    assert serve.http.get(f"http://127.0.0.1:{serve.port}/dashboard/").status_code == 200

    serve.gql(
        """mutation($r: EarningRuleInput!) { createEarningRule(earningRule: $r) { id } }""",
        r={
            "title": "2 points per dollar",
            "triggerAppId": "stores",
            "triggerActivityType": "stores/OrderPaid",
            "conversionRate": {"configs": [{"tierId": None, "moneyAmount": "1", "points": RATE}]},
        },
    )
    expected: dict[str, int] = {}
    activities = [(f"m{n % 7}", f"order-{n}", 10 + 3 * n) for n in range(14)]

    def record(member: str, order: str, dollars: int) -> None:
        result = serve.gql(
            RECORD,
            i={
                "idempotencyKey": f"purchase-{order}",
                "memberId": member,
                "activityType": "stores/OrderPaid",
                "triggerAppId": "stores",
                "orderId": order,
                "amount": {"value": str(dollars), "currency": "USD"},
            },
        )
        awarded = sum(a["points"] for a in result["recordActivity"]["awards"])
        assert awarded in (0, dollars * RATE)  # 0: a retry of an activity already recorded

    for member, order, dollars in activities:
        record(member, order, dollars)
        expected[member] = expected.get(member, 0) + dollars * RATE

    # Ctrl-C while the freshest purchases still wait for their batch (read at once: only the
    # members of the last two, which no full batch carried).
    last = {member for member, _, _ in activities[-2:]}
    accounts = {m: serve.gql(ACCOUNT, m=m)["account"]["points"] for m in last}
    assert sum(p["pending"] for p in accounts.values()) > 0, accounts
    assert_clean_stop(serve, serve.stop(signal.SIGINT))

    # Started again on the same files: the same token, and the pending points get minted.
    serve.start()
    assert serve.token_line() == token
    # A client retrying its last requests (it may not have seen the answers) changes nothing.
    for member, order, dollars in activities[-3:]:
        record(member, order, dollars)

    def converged() -> bool:
        for member, points in expected.items():
            p = serve.gql(ACCOUNT, m=member)["account"]["points"]
            if (p["balance"], p["pending"], int(p["onchain"])) != (points, 0, points):
                return False
        supply = serve.gql("{ token { totalSupply } }")["token"]["totalSupply"]
        return int(supply) == sum(expected.values())

    wait_until("every awarded point is minted once and indexed", converged, serve)
    assert_clean_stop(serve, serve.stop(signal.SIGTERM))


def test_demo_is_loaded_once(serve: Serve) -> None:
    serve.start("--demo")
    assert "demo program loaded: 3 tiers" in serve.output()
    query = """{ tiers { id } rewards { id }
      analytics { membersPerTier { members } pointsIssuedPerDay { issued } } }"""
    first = serve.gql(query)
    assert len(first["tiers"]) == 3 and len(first["rewards"]) == 3
    assert sum(t["members"] for t in first["analytics"]["membersPerTier"]) == 25
    assert sum(1 for d in first["analytics"]["pointsIssuedPerDay"] if d["issued"]) >= 10
    assert_clean_stop(serve, serve.stop(signal.SIGINT))

    serve.start("--demo")
    assert "demo: nothing loaded (the program is not empty" in serve.output()
    assert serve.gql(query) == first
    assert_clean_stop(serve, serve.stop(signal.SIGTERM))

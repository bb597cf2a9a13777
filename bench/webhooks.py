"""Webhooks accepted per second and response times, 32 concurrent senders, real HTTP against a
`loyalty api` (uvicorn) process on PostgreSQL, beside a /healthz baseline from the same run; then
how long until every accepted webhook has been applied.

    .venv/bin/python -m bench.webhooks [--requests 3000] [--senders 32] [--workers 2]
                                       [--inbox-concurrency N]

The API runs as in production (`loyalty api --workers N` against an anvil node with the token
deployed by `loyalty deploy`; the minter is not started, so the chain sees no traffic). Every
webhook is a distinct, signed event that earns points (one rule matches), spread over 500
members. A 200 means the event is stored; the API's inbox processor applies it (an order, a
ledger entry, a mint request, the tier) meanwhile and after, in the same processes: the run
reports when the last one is applied. Targets: >= 500 accepted/s, p99 <= 100 ms. The senders
(bench/loadgen.py, requests signed before the clock starts) share the machine with the server
and PostgreSQL; the load average is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg

from bench import loadgen
from bench.figures import Figure, record
from bench.loadgen import Prepared
from tests.support.anvil import ANVIL_KEYS, AnvilNode, start_anvil
from tests.support.databases import PG_ADMIN_URL, _pg_url
from tests.support.webhooks import SECRET_NEW, WIX_PUBLIC_PEM, checkout_completed, standard_request

ROOT = Path(__file__).resolve().parent.parent
ADMIN_KEY = "bench-admin-key-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure(port: int, n: int, senders: int, make: Callable[[int], Prepared]) -> loadgen.Result:
    # Prepared (and signed: RS256 for Wix) before the clock starts: signing is the sender's
    # cost, and the senders share the cores with the server.
    prepared = [make(i) for i in range(n)]
    return asyncio.run(loadgen.run("127.0.0.1", port, prepared, senders))


def start_server(
    database_url: str, port: int, node: AnvilNode, workers: int, inbox: int | None
) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")},
        "LOYALTY_DATABASE_URL": database_url,
        "LOYALTY_RPC_URL": node.url,
        "LOYALTY_CHAIN_ID": str(node.chain_id),
        "LOYALTY_DEPLOYER_KEY": ANVIL_KEYS[0],
        "LOYALTY_MINTER_KEY": ANVIL_KEYS[1],
        "LOYALTY_CUSTODY_MNEMONIC": "test test test test test test test test test test test junk",
        "LOYALTY_WEBHOOK_SECRETS": SECRET_NEW,
        "LOYALTY_WIX_PUBLIC_KEY": WIX_PUBLIC_PEM,
        "LOYALTY_ADMIN_API_KEY": ADMIN_KEY,
        "LOYALTY_LOG_LEVEL": "WARNING",
        **({"LOYALTY_INBOX_CONCURRENCY": str(inbox)} if inbox is not None else {}),
    }
    deploy = subprocess.run(
        [str(ROOT / ".venv/bin/loyalty"), "deploy", "--if-missing"],
        env=env,
        capture_output=True,
        timeout=120,
        cwd=ROOT,
    )
    if deploy.returncode != 0:
        raise SystemExit(f"deploy failed: {deploy.stderr.decode()[-500:]}")
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/loyalty"),
            "api",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


def add_rule(base: str) -> None:
    mutation = """mutation { createEarningRule(earningRule: {title: "Purchase",
      triggerAppId: "stores", triggerActivityType: "stores/OrderPaid",
      conversionRate: {configs: [{moneyAmount: "1", points: 1}]}}) { id } }"""
    reply = httpx.post(
        f"{base}/graphql",
        json={"query": mutation},
        headers={"authorization": f"Bearer {ADMIN_KEY}"},
    )
    if reply.status_code != 200 or reply.json().get("errors"):
        raise SystemExit(f"could not create the rule: {reply.text[:300]}")


def drained(url: str, began: float) -> float:
    """Seconds from `began` until no stored webhook is left to process (none may fail)."""
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        while True:
            pending, failed = c.execute(
                "SELECT count(*) FILTER (WHERE state = 'PENDING'),"
                " count(*) FILTER (WHERE state = 'FAILED') FROM inbound_events"
            ).fetchone() or (0, 0)
            if failed:
                raise SystemExit(f"{failed} webhook events FAILED")
            if not pending:
                return time.perf_counter() - began
            time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--senders", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="loyalty api --workers")
    parser.add_argument(
        "--inbox-concurrency",
        type=int,
        default=None,
        help="LOYALTY_INBOX_CONCURRENCY of the API (0: store and answer only, nothing processed)",
    )
    args = parser.parse_args()
    name = f"loyalty_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    port = free_port()
    node = start_anvil()
    try:
        server = start_server(_pg_url(name), port, node, args.workers, args.inbox_concurrency)
    except BaseException:
        node.stop()
        raise
    base = f"http://127.0.0.1:{port}"
    try:
        add_rule(base)
        run_id = uuid.uuid4().hex[:6]

        def health(_i: int) -> Prepared:
            return "/healthz", b"", {}

        def event(i: int) -> Prepared:
            body, headers = standard_request(
                {
                    "type": "stores/OrderPaid",
                    "data": {
                        "memberId": f"m{i % 500}",
                        "triggerAppId": "stores",
                        "orderId": f"{run_id}-{i}",
                        "amount": {"value": "25.00", "currency": "USD"},
                    },
                }
            )
            return "/webhooks/events", body, headers

        def wix(i: int) -> Prepared:
            body = checkout_completed(f"w{run_id}-{i}", f"c{run_id}-{i}", f"m{i % 500}", "25.00")
            return "/webhooks/wix", body, {"content-type": "text/plain"}

        # Warm-up: creates the members, fills the pools.
        measure(port, 500, args.senders, event)
        processing = args.inbox_concurrency != 0
        if processing:
            drained(_pg_url(name), time.perf_counter())
        results = {}
        for label, make in (
            ("healthz (baseline)", health),
            ("webhooks/events", event),
            ("webhooks/wix", wix),
        ):
            began = time.perf_counter()
            r = measure(port, args.requests, args.senders, make)
            results[label] = (r.rate, r.percentile(50), r.percentile(99), r.failures)
            print(
                f"{label:20s} {r.rate:8.0f}/s  p50 {r.percentile(50):6.1f} ms  "
                f"p99 {r.percentile(99):6.1f} ms  failures {r.failures}"
                + (f" (first: {r.first_failure})" if r.failures else ""),
                flush=True,
            )
            if processing and label != "healthz (baseline)":
                # The answer means "stored"; the API's inbox processor applies the events
                # (rules, ledger, mint request) meanwhile and after: how long until all are.
                took = drained(_pg_url(name), began)
                print(
                    f"{'':20s} all {args.requests} processed {took:.1f} s after the first was "
                    f"sent: {args.requests / took:.0f} events/s end to end",
                    flush=True,
                )
                record(
                    Figure(
                        "webhooks", f"{label} applied", args.requests / took, "events/s", ">= 1000"
                    )
                )
        print(f"load average (1, 5, 15 min): {os.getloadavg()}, cpus: {os.cpu_count()}")
        base_rate = results["healthz (baseline)"][0]
        for label in ("webhooks/events", "webhooks/wix"):
            print(f"{label}: {results[label][0] / base_rate:.2f}x the baseline rate")
            record(
                Figure(
                    "webhooks",
                    f"{label} accepted",
                    results[label][0],
                    "req/s",
                    None,
                    "/healthz",
                    base_rate,
                )
            )
            record(Figure("webhooks", f"{label} accepted p99", results[label][2], "ms"))
        print(json.dumps({k: [round(x, 1) for x in v] for k, v in results.items()}))
    finally:
        server.terminate()
        server.wait(timeout=30)
        node.stop()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()

"""GraphQL throughput: `earningRules(first: 50)` and `previewEarning` beside a baseline.

Run: `python -m bench.graphql_rules [--rules 10000] [--clients 32] [--seconds 8]`.

Starts a real `loyalty api` process (uvicorn, one worker) on a fresh PostgreSQL database holding
`--rules` earning rules, then drives it with `--clients` concurrent keep-alive connections
(bench.loadgen), each sending the next request as soon as the last one answers. Baselines from
the same run against the same process: `GET /healthz` (no GraphQL) and `{ token { symbol } }`
(GraphQL, no database). `earningRules` is measured twice: as callers get it (answered from the
response cache while the rules do not change, after one read of config_version) and with the
cache kept out of the way, through the whole execution. The clients run on the same machine as
the server and take part of its CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench import loadgen
from bench.figures import Figure, record
from cli.migrate import upgrade
from loyalty.db.engine import make_engine
from loyalty.db.rules import earning_rule_configs, earning_rules

PG_ADMIN_URL = os.environ.get("LOYALTY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
ADMIN_KEY = "bench-admin-key-" + uuid.uuid4().hex
MATCHING = 5  # rules that match the previewed activity

RULES_PAGE = """{ earningRules(first: 50) { edges { cursor node { id revision title sourceAppId
  triggerAppId triggerActivityType status fixedAmount { configs { tierId points } }
  conversionRate { configs { tierId moneyAmount points } } metadata { canBeDeleted }
  createdDate updatedDate } } pageInfo { hasNextPage endCursor } } }"""
PREVIEW = """{ previewEarning(activity: {activityType: "stores/OrderPaid", triggerAppId: "stores",
  amount: {value: "123.45", currency: "USD"}}) { totalPoints awards { ruleId points reason } } }"""
BASELINE = "{ token { symbol } }"
# The same page through the whole GraphQL execution every time: a directive on the root field
# keeps api.response_cache from answering it (it takes root fields without directives only).
UNCACHED_RULES_PAGE = RULES_PAGE.replace(
    "earningRules(first: 50)", "earningRules(first: 50) @include(if: true)"
)


def seed(url: str, count: int) -> None:
    """`count` rules over 500 triggers; MATCHING of them on (stores, stores/OrderPaid)."""
    now = datetime.now(UTC)
    engine = make_engine(url)
    rules: list[dict[str, Any]] = []
    configs: list[dict[str, Any]] = []
    for i in range(count):
        matching = i < MATCHING
        rule_id = str(uuid.uuid4())
        rules.append(
            {
                "id": rule_id,
                "revision": 1,
                "title": f"rule {i}",
                "title_key": f"rule {i}",
                "source_app_id": "automations",
                "trigger_app_id": "stores" if matching else f"app-{i % 500}",
                "trigger_activity_type": "stores/OrderPaid" if matching else f"custom/{i % 500}",
                "status": "ACTIVE",
                "method": "CONVERSION_RATE",
                "pre_installed": False,
                "deleted": False,
                "created_date": now,
                "updated_date": now,
            }
        )
        configs.append(
            {"rule_id": rule_id, "tier_id": None, "points": 1 + i % 5, "money_amount": Decimal("1")}
        )
    with engine.begin() as conn:
        conn.execute(earning_rules.insert(), rules)
        conn.execute(earning_rule_configs.insert(), configs)
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Figures:
    name: str
    requests: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def drive(base: str, query: str, *, clients: int, seconds: float, warmup: float) -> Figures:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    latencies: list[float] = []
    errors = 0
    stop_at = 0.0
    measuring = False

    async def client() -> None:
        nonlocal errors
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
            while time.perf_counter() < stop_at:
                start = time.perf_counter()
                reply = await http.post("/graphql", json={"query": query}, headers=headers)
                took = (time.perf_counter() - start) * 1000
                if reply.status_code != 200 or "errors" in reply.json():
                    errors += 1
                if measuring:
                    latencies.append(took)

    stop_at = time.perf_counter() + warmup
    await asyncio.gather(*(client() for _ in range(clients)))
    measuring = True
    began = time.perf_counter()
    stop_at = began + seconds
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    if errors:
        raise SystemExit(f"{errors} requests failed for {query[:40]!r}")
    return Figures(query, len(latencies), elapsed, latencies)


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not answer /healthz in time")


def measure_all(
    port: int, pid: int, *, clients: int, seconds: float, warmup: float
) -> list[tuple[str, loadgen.Result, float]]:
    """Each request for `seconds` with `clients` keep-alive connections (bench.loadgen: a few
    tens of microseconds per request, where httpx cost 1-2 ms of the same two cores)."""
    headers = {"authorization": f"Bearer {ADMIN_KEY}", "content-type": "application/json"}

    def graphql(query: str) -> loadgen.Prepared:
        return ("/graphql", json.dumps({"query": query}).encode(), headers)

    requests: list[tuple[str, loadgen.Prepared]] = [
        ("GET /healthz (baseline)", ("/healthz", b"", {})),
        ("{ token { symbol } }", graphql(BASELINE)),
        ("earningRules(first: 50)", graphql(RULES_PAGE)),
        ("earningRules(first: 50), response cache off", graphql(UNCACHED_RULES_PAGE)),
        (f"previewEarning ({MATCHING} matching rules)", graphql(PREVIEW)),
    ]
    results = []
    for label, request in requests:
        cpu = loadgen.cpu_seconds(pid)
        result = asyncio.run(
            loadgen.run_for("127.0.0.1", port, request, clients, seconds, warmup=warmup)
        )
        # Includes the warm-up's requests: the server's CPU per request, not per measured one.
        cpu_ms = (loadgen.cpu_seconds(pid) - cpu) * 1000 / max(1, result.sent)
        if result.failures or not result.ok:
            raise SystemExit(f"{label}: {result.failures} failed, first: {result.first_failure}")
        results.append((label, result, cpu_ms))
        print(f"  measured {label}", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args(argv)

    name = f"loyalty_bench_rules_{os.getpid()}"
    base_url, _, _ = PG_ADMIN_URL.rpartition("/")
    url = f"{base_url}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    proc: subprocess.Popen[bytes] | None = None
    try:
        print(f"seeding {args.rules:,} earning rules into PostgreSQL …", flush=True)
        upgrade(url)
        seed(url, args.rules)
        port = free_port()
        state = Path(tempfile.mkdtemp()) / "chain.state"
        env = {
            **os.environ,
            "LOYALTY_DATABASE_URL": url,
            "LOYALTY_ADMIN_API_KEY": ADMIN_KEY,
            "LOYALTY_CHAIN_STATE": str(state),
            "LOYALTY_LOG_LEVEL": "WARNING",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "api", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, proc, timeout=180)
        print(
            f"server: `loyalty api` (uvicorn, 1 process) on {platform.machine()}, "
            f"{os.cpu_count()} cores; {args.clients} clients, {args.seconds:g} s each "
            f"after {args.warmup:g} s warm-up",
            flush=True,
        )
        results = measure_all(
            port, proc.pid, clients=args.clients, seconds=args.seconds, warmup=args.warmup
        )
        healthz = results[0][1]
        print(
            f"\n{'query':<44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs /healthz':>12}"
            f" {'server CPU ms/req':>18}"
        )
        for label, f, cpu_ms in results:
            print(
                f"{label:<44} {f.rate:8.0f} {f.percentile(50):8.1f} {f.percentile(99):8.1f} "
                f"{f.rate / healthz.rate:11.2f}x {cpu_ms:18.2f}"
            )
            record(Figure("graphql", f"{label}: server CPU per request", cpu_ms, "ms"))
        token = results[1][1]
        record(
            Figure(
                "graphql",
                "{ token { symbol } } (32 clients)",
                token.rate,
                "req/s",
                ">= 0.25x",
                "GET /healthz",
                healthz.rate,
            )
        )
        targets = {"earningRules(first: 50)": ">= 400", "previewEarning": ">= 600"}
        for label, f, _ in results[2:]:
            target = next((t for k, t in targets.items() if label.startswith(k)), None)
            record(
                Figure(
                    "graphql", label, f.rate, "req/s", target, "{ token { symbol } }", token.rate
                )
            )
            record(Figure("graphql", f"{label} p99", f.percentile(99), "ms"))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""GraphQL `account` reads: one account with every field, and ten accounts in one query, beside
a baseline; and what each costs the database (connections checked out, statements run).

Run: `python -m bench.graphql_accounts [--members 200] [--clients 1 8] [--seconds 5]`.

Starts a real `loyalty api` process (uvicorn, one worker) on a fresh PostgreSQL database, gives
it `--members` members through the API itself (an earning rule, a tier, expiry on, a purchase
each), then drives each query with each number of `--clients` concurrent HTTP clients (one
keep-alive connection each, the next request as soon as the last one answers). One client gives
the latency of a lone request; more show how the reads hold up under load. The baseline is
`{ token { symbol } }` (no database) measured in the same run against the same process. The
database cost is counted in-process (SQLAlchemy pool and engine events) on the same database,
since the server runs in another process. The clients share the machine's CPU with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.figures import Figure, record
from bench.graphql_rules import ADMIN_KEY, PG_ADMIN_URL, drive, free_port, wait_ready
from cli.migrate import upgrade

BASELINE = "{ token { symbol } }"
ACCOUNT_FIELDS = """memberId receivingAddress revision
  points { balance earned adjusted redeemed expired reversed debt pending onchain }
  tier { id name requiredPoints }
  pointsExpiration { expirationDate expiringPointsAmount }"""
ONE = f"""{{ account(memberId: "m0") {{ {ACCOUNT_FIELDS}
  transactions(first: 10) {{ nodes {{ id amount transactionType }} }} }} }}"""
TEN = (
    "{ "
    + " ".join(f'a{n}: account(memberId: "m{n}") {{ {ACCOUNT_FIELDS} }}' for n in range(10))
    + " }"
)


def gql(client: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    reply = client.post("/graphql", json={"query": query, "variables": variables or {}})
    body = reply.json()
    if reply.status_code != 200 or body.get("errors"):
        raise SystemExit(f"seeding failed: {body}")
    return body["data"]


def seed(base: str, members: int) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        rule = {
            "title": "Per dollar",
            "triggerAppId": "stores",
            "triggerActivityType": "stores/OrderPaid",
            "conversionRate": {"configs": [{"tierId": None, "moneyAmount": "1", "points": 1}]},
        }
        gql(
            client,
            "mutation($r: EarningRuleInput!) { createEarningRule(earningRule: $r) { id } }",
            {"r": rule},
        )
        gql(client, 'mutation { createTier(tier: {name: "Gold", requiredPoints: 50}) { id } }')
        revision = gql(client, "{ loyaltyProgram { revision } }")["loyaltyProgram"]["revision"]
        expiry = {"status": "ENABLED", "monthsOfInactivity": 6, "expiringPointsPercentage": 50}
        gql(
            client,
            "mutation($rev: Long!, $p: LoyaltyProgramUpdate!) { "
            "updateLoyaltyProgram(revision: $rev, program: $p) { revision } }",
            {"rev": revision, "p": {"pointsExpiration": expiry}},
        )
        record_activity = """mutation($i: RecordActivityInput!) {
          recordActivity(input: $i) { duplicate } }"""
        for n in range(members):
            for order in range(3):  # a few transactions each
                activity = {
                    "idempotencyKey": f"m{n}-o{order}",
                    "memberId": f"m{n}",
                    "activityType": "stores/OrderPaid",
                    "triggerAppId": "stores",
                    "orderId": f"m{n}-o{order}",
                    "amount": {"value": str(10 + n % 50), "currency": "USD"},
                }
                gql(client, record_activity, {"i": activity})


def database_cost(url: str, state: Path, query: str) -> tuple[int, int]:
    """(connections checked out, statements run) by one request for `query`, in-process (on the
    server's database and chain state, once the server has stopped)."""
    from sqlalchemy import event

    from api.app import create_app
    from loyalty.runtime import Runtime
    from loyalty.settings import Settings

    async def run() -> tuple[int, int]:
        settings = Settings(
            database_url=url,
            chain_state=str(state),
            admin_api_key=ADMIN_KEY,
            minter_in_serve=False,
        )
        runtime = Runtime.start(settings)
        counts = {"checkout": 0, "statement": 0}

        def on_checkout(*_: Any) -> None:
            counts["checkout"] += 1

        def on_statement(*_: Any) -> None:
            counts["statement"] += 1

        try:
            transport = httpx.ASGITransport(app=create_app(settings, runtime))
            headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                await client.post("/graphql", json={"query": query}, headers=headers)  # warm
                sync = runtime.async_engine.sync_engine
                event.listen(sync, "checkout", on_checkout)
                event.listen(sync, "before_cursor_execute", on_statement)
                await client.post("/graphql", json={"query": query}, headers=headers)
        finally:
            await runtime.aclose()
        return counts["checkout"], counts["statement"]

    return asyncio.run(run())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    args = parser.parse_args(argv)

    name = f"loyalty_bench_accounts_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    base_url, _, _ = PG_ADMIN_URL.rpartition("/")
    url = f"{base_url}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    proc: subprocess.Popen[bytes] | None = None
    try:
        upgrade(url)
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
        wait_ready(base, proc)
        print(f"seeding {args.members:,} members (3 purchases each) through the API …", flush=True)
        seed(base, args.members)
        print(
            f"server: `loyalty api` (uvicorn, 1 process) on {platform.machine()}, "
            f"{os.cpu_count()} cores, PostgreSQL; {args.seconds:g} s per figure after "
            f"{args.warmup:g} s warm-up",
            flush=True,
        )
        queries = (
            ("baseline { token { symbol } }", BASELINE),
            ("account, every field", ONE),
            ("10 accounts in one query", TEN),
        )
        header = f"{'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs base':>8}"
        print(f"\n{'query':<32} {header}")
        for clients in args.clients:
            results = []
            for label, query in queries:
                f = asyncio.run(
                    drive(base, query, clients=clients, seconds=args.seconds, warmup=args.warmup)
                )
                results.append((label, f))
            baseline = results[0][1]
            for label, f in results:
                print(
                    f"{label:<32} {clients:>7} {f.rps:8.0f} {f.pct(0.50):8.1f} "
                    f"{f.pct(0.99):8.1f} {f.rps / baseline.rps:7.2f}x",
                    flush=True,
                )
            for label, f in results[1:]:
                record(
                    Figure(
                        "graphql_accounts",
                        f"{label} ({clients} clients)",
                        f.rps,
                        "req/s",
                        None,
                        "{ token { symbol } }",
                        baseline.rps,
                    )
                )
                record(
                    Figure("graphql_accounts", f"{label} ({clients} clients) p50", f.pct(0.5), "ms")
                )
        proc.terminate()
        proc.wait(timeout=15)
        print(f"\n{'query':<32} {'connections':>11} {'statements':>10}   (one request)")
        for label, query in queries[1:]:
            checkouts, statements = database_cost(url, state, query)
            print(f"{label:<32} {checkouts:>11} {statements:>10}")
            record(Figure("graphql_accounts", f"{label}: connections", checkouts, "per request"))
            record(Figure("graphql_accounts", f"{label}: statements", statements, "per request"))
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

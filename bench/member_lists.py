"""`python -m bench.member_lists [--members N] [--entries-per-member K]`: the program-wide lists
of issue 16 on PostgreSQL at size: `accounts(first: 50, orderBy: BALANCE)` (first page and the
page after it, by cursor), `transactions(first: 50, filter: {types})` for a common and a rare
type, p50/p99 of one client, beside a lookup of one account by its member id (a unique-index
read through the same stack) measured in the same run against the same process.

The issue's size is 1,000,000 members / 5,000,000 ledger entries (`--members 1000000`); the
default is 100,000 / 500,000 for a quick run. Rows are generated inside PostgreSQL
(INSERT … SELECT generate_series, then VACUUM ANALYZE), on a throw-away database beside
LOYALTY_TEST_PG_URL's; the server is a real `loyalty api` process (uvicorn, one worker).
Entries per member: 3 EARN, 1 REDEEM, 1 ADJUST, and every 1,000th member one EXPIRE (the rare
type); balances are spread so that BALANCE has few ties.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg

from bench.figures import Figure, record
from bench.graphql_rules import ADMIN_KEY, PG_ADMIN_URL, drive, free_port, wait_ready
from cli.migrate import upgrade

LOOKUP = '{ account(memberId: "member-%d") { memberId points { balance earned } } }'
ACCOUNTS = """{ accounts(first: 50, orderBy: {field: BALANCE, direction: DESC}%s) {
  nodes { memberId points { balance earned } lastActivityDate } pageInfo { endCursor } } }"""
TRANSACTIONS = """{ transactions(first: 50, filter: {types: [%s]}) {
  nodes { id memberId transactionType amount balanceAfter createdDate } } }"""

SEED_MEMBERS = """
INSERT INTO members (id, member_id, custodial_address, earned, adjusted, redeemed, expired,
                     last_activity_at, created_at, updated_at)
SELECT g, 'member-' || g, '0x' || lpad(to_hex(g), 40, '0'),
       300 + (g * 7919) %% 1000003, 5, 100, CASE WHEN g %% 1000 = 0 THEN 10 ELSE 0 END,
       timestamptz '2026-01-01' + g * interval '1 second',
       timestamptz '2025-01-01' + g * interval '1 second',
       timestamptz '2026-01-01' + g * interval '1 second'
FROM generate_series(1, %(n)s::bigint) AS g
"""
# Entry e of member m = (e - 1) / k + 1; its slot (e - 1) %% k: 0-2 EARN, 3 REDEEM, 4 ADJUST
# (and further slots, with --entries-per-member > 5, EARN again).
SEED_ENTRIES = """
INSERT INTO ledger_entries (id, member_pk, type, points, delta, balance_after, rule_id,
                            description, created_at)
SELECT e, (e - 1) / %(k)s::bigint + 1,
       CASE (e - 1) %% %(k)s::bigint WHEN 3 THEN 'REDEEM' WHEN 4 THEN 'ADJUST' ELSE 'EARN' END,
       CASE (e - 1) %% %(k)s::bigint WHEN 3 THEN -100 WHEN 4 THEN 5 ELSE 100 END,
       CASE (e - 1) %% %(k)s::bigint WHEN 3 THEN -100 WHEN 4 THEN 5 ELSE 100 END,
       1000, CASE WHEN (e - 1) %% %(k)s::bigint IN (3, 4) THEN NULL ELSE 'rule-1' END, '',
       timestamptz '2026-01-01' + e * interval '100 milliseconds'
FROM generate_series(1, %(n)s::bigint * %(k)s::bigint) AS e
"""
SEED_EXPIRES = """
INSERT INTO ledger_entries (id, member_pk, type, points, delta, balance_after, description,
                            created_at)
SELECT %(n)s::bigint * %(k)s::bigint + g, g * 1000, 'EXPIRE', -10, -10, 1000, '',
       timestamptz '2026-06-01' + g * interval '1 second'
FROM generate_series(1, %(n)s::bigint / 1000) AS g
"""


def seed(url: str, members: int, per_member: int) -> tuple[int, float]:
    """Rows generated in the database; (ledger entries, seconds)."""
    t0 = time.perf_counter()
    params = {"n": members, "k": per_member}
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as db:
        db.execute(SEED_MEMBERS, params)
        db.execute(SEED_ENTRIES, params)
        db.execute(SEED_EXPIRES, params)
        db.execute("SELECT setval('members_id_seq', %(n)s::bigint)", params)
        db.execute("SELECT setval('ledger_entries_id_seq', (SELECT max(id) FROM ledger_entries))")
        db.execute("VACUUM ANALYZE members")
        db.execute("VACUUM ANALYZE ledger_entries")
        entries = db.execute("SELECT count(*) FROM ledger_entries").fetchone()
    return int(entries[0] if entries else 0), time.perf_counter() - t0


def first_cursor(base: str) -> str:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    reply = httpx.post(
        f"{base}/graphql", json={"query": ACCOUNTS % ""}, headers=headers, timeout=60
    ).json()
    return str(reply["data"]["accounts"]["pageInfo"]["endCursor"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--members", type=int, default=int(os.environ.get("BENCH_LIST_MEMBERS", "100000"))
    )
    parser.add_argument("--entries-per-member", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    args = parser.parse_args(argv)
    if args.entries_per_member < 5:
        parser.error("--entries-per-member is at least 5 (3 EARN, REDEEM, ADJUST)")

    name = f"loyalty_bench_lists_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    base_url, _, _ = PG_ADMIN_URL.rpartition("/")
    url = f"{base_url}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    proc: subprocess.Popen[bytes] | None = None
    try:
        upgrade(url)
        print(f"generating {args.members:,} members in PostgreSQL …", flush=True)
        entries, seed_s = seed(url, args.members, args.entries_per_member)
        print(f"  {args.members:,} members, {entries:,} ledger entries in {seed_s:.0f} s")
        port = free_port()
        env = {
            **os.environ,
            "LOYALTY_DATABASE_URL": url,
            "LOYALTY_ADMIN_API_KEY": ADMIN_KEY,
            "LOYALTY_CHAIN_STATE": str(Path(tempfile.mkdtemp()) / "chain.state"),
            "LOYALTY_LOG_LEVEL": "WARNING",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "api", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, proc, timeout=300)  # a loaded machine: the API starts slowly
        cursor = first_cursor(base)
        size = f"{args.members:,} members / {entries:,} entries"
        queries = (
            ("account(memberId) lookup", LOOKUP % (args.members // 2)),
            ("accounts(first: 50, orderBy: BALANCE)", ACCOUNTS % ""),
            ("accounts BALANCE, next page (after)", ACCOUNTS % f', after: "{cursor}"'),
            ("transactions(first: 50, types: [REDEEM])", TRANSACTIONS % "REDEEM"),
            ("transactions(first: 50, types: [EXPIRE])", TRANSACTIONS % "EXPIRE"),
            ("transactions types: [EARN, ADJUST]", TRANSACTIONS % "EARN, ADJUST"),
        )
        print(f"\n{size}, 1 client, {args.seconds:g} s each after {args.warmup:g} s warm-up")
        print(f"{'query':<44} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'p50 vs lookup':>14}")
        results = []
        for label, query in queries:
            f = asyncio.run(drive(base, query, clients=1, seconds=args.seconds, warmup=args.warmup))
            results.append((label, f))
        lookup = results[0][1]
        for label, f in results:
            ratio = f.pct(0.5) / lookup.pct(0.5)
            print(
                f"{label:<44} {f.rps:7.0f} {f.pct(0.5):8.1f} {f.pct(0.99):8.1f} {ratio:13.2f}x",
                flush=True,
            )
        base_p50, base_p99 = lookup.pct(0.5), lookup.pct(0.99)
        bench = f"member_lists {size}"
        for label, f in results[1:]:
            # A page is an index range scan: within a few times one row's lookup at any size.
            record(Figure(bench, f"{label} p50", f.pct(0.5), "ms", "<= 3x", "lookup p50", base_p50))
            record(Figure(bench, f"{label} p99", f.pct(0.99), "ms", None, "lookup p99", base_p99))
        record(Figure(bench, "account(memberId) lookup p50", base_p50, "ms"))
        record(Figure(bench, "generate rows", seed_s, "s"))
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

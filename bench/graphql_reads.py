"""Latency of one small GraphQL read over HTTP, sequential: `balance(address)` and
`account(memberId) { points { balance onchain } tier { name } }`, beside `GET /healthz` and
`{ token { symbol } }` from the same run, and beside Ponder's figure for the same balance query.

Run: `python -m bench.graphql_reads [--rows 100000] [--requests 1000]` (`--rows 1000000` is the
issue's size: a million transfers, with their balance history, and a million members).

Stores `--rows` transfers among `--rows // 10` holders (COPY, as the indexer's bulk load leaves
them) and `--rows` members (each with a custodial address among the holders, a few points, and
a base tier every member is in) in a fresh PostgreSQL database, starts `loyalty api` (uvicorn,
one worker) on it, and sends `--requests` requests of each kind one after another over one
keep-alive connection (bench.loadgen), each for a random holder or member, after 50 not counted.
With Node and ../shared/peers present, the balance query is also measured with the peers'
client (scripts/gql_latency_ours.mjs, Node's fetch), the very client Ponder's figure comes
from; Ponder's figure itself is the latest one recorded in ../shared/peers/runs/results.jsonl
(Ponder is not run here: building its workload and running it takes minutes)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench import loadgen
from bench.figures import Figure, record
from bench.graphql_rules import ADMIN_KEY, PG_ADMIN_URL, free_port, wait_ready
from cli.migrate import upgrade
from indexer.store import init_state
from loyalty.db.engine import make_engine

PEERS = Path(
    os.environ.get("LOYALTY_PEERS_DIR", Path(__file__).resolve().parents[2] / "shared/peers")
)
BALANCE = "query($a: String!) { balance(address: $a) }"
ACCOUNT = """query($m: String!) { account(memberId: $m) { points { balance onchain }
  tier { name } } }"""
WARMUP = 50


def seed(url: str, rows: int) -> tuple[list[str], dict[str, int]]:
    """`rows` transfers and members; returns the member ids and every holder's balance."""
    rng = random.Random(7)
    holders = [f"0x{rng.getrandbits(160):040x}" for _ in range(max(10, rows // 10))]
    balance = dict.fromkeys(holders, 10**9)
    engine = make_engine(url)
    now = datetime.now(UTC)
    members = [f"member-{n}" for n in range(rows)]
    with engine.begin() as conn:
        init_state(conn, 1, "0x" + "11" * 20, 0)
        raw: Any = conn.connection.driver_connection
        cur = raw.cursor()
        with cur.copy(
            "COPY indexer_transfers (tx_hash, log_index, block_number, from_address,"
            " to_address, value) FROM STDIN"
        ) as copy:
            latest: dict[tuple[str, int], int] = {}
            for i in range(rows):
                block, a, b, v = (
                    i // 10,
                    rng.choice(holders),
                    rng.choice(holders),
                    rng.randint(1, 99),
                )
                balance[a] -= v
                balance[b] += v
                copy.write_row((f"0x{i:064x}", 0, block, a, b, v))
                latest[(a, block)] = balance[a]
                latest[(b, block)] = balance[b]
        with cur.copy(
            "COPY indexer_balance_history (address, block_number, balance) FROM STDIN"
        ) as copy:
            for (a, block), v in latest.items():
                copy.write_row((a, block, v))
        with cur.copy("COPY indexer_balances (address, balance, block_number) FROM STDIN") as copy:
            for a, v in balance.items():
                copy.write_row((a, v, rows // 10))
        conn.exec_driver_sql("UPDATE indexer_state SET indexed_block = %s", (rows // 10,))
        with cur.copy(
            "COPY members (member_id, custodial_address, earned, created_at, updated_at) FROM STDIN"
        ) as copy:
            for n, member in enumerate(members):
                copy.write_row((member, holders[n % len(holders)], 10 + n % 90, now, now))
        conn.exec_driver_sql(
            "INSERT INTO tiers (id, name, required_points, revision, created_date, updated_date)"
            " VALUES (%s, 'Base', 0, 1, %s, %s)",
            (str(uuid.uuid4()), now, now),
        )
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    engine.dispose()
    return members, balance


def sequential(
    port: int, pid: int, requests: list[loadgen.Prepared]
) -> tuple[loadgen.Result, float]:
    """The answers after WARMUP, and the server's CPU milliseconds per measured request."""
    warm = asyncio.run(loadgen.run("127.0.0.1", port, requests[:WARMUP], 1))
    cpu = loadgen.cpu_seconds(pid)
    result = asyncio.run(loadgen.run("127.0.0.1", port, requests[WARMUP:], 1))
    cpu_ms = (loadgen.cpu_seconds(pid) - cpu) * 1000 / max(1, len(requests) - WARMUP)
    if warm.failures or result.failures:
        raise SystemExit(f"failed: {warm.first_failure or result.first_failure}")
    return result, cpu_ms


def graphql(query: str, variables: dict[str, Any] | None = None) -> loadgen.Prepared:
    headers = {"authorization": f"Bearer {ADMIN_KEY}", "content-type": "application/json"}
    return (
        "/graphql",
        json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers,
    )


def ponder_recorded() -> dict[str, Any] | None:
    """Ponder's latest recorded run on PostgreSQL (its single-account balance query)."""
    path = PEERS / "runs" / "results.jsonl"
    if not path.exists():
        return None
    runs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    runs = [r for r in runs if r.get("db") == "postgres" and r.get("graphql_latency")]
    return runs[-1] if runs else None


def peers_client(port: int, balance: dict[str, int], n: int) -> dict[str, Any] | None:
    """The balance query through the peers' own latency client (Node fetch), if available."""
    script = PEERS / "scripts" / "gql_latency_ours.mjs"
    if shutil.which("node") is None or not script.exists():
        return None
    folder = Path(tempfile.mkdtemp())
    (folder / "balances.json").write_text(json.dumps({a: str(v) for a, v in balance.items()}))
    (folder / "chain.json").write_text(json.dumps({"balances_file": "balances.json"}))
    out = subprocess.run(
        [
            "node",
            str(script),
            "--url",
            f"http://127.0.0.1:{port}/graphql",
            "--chain",
            str(folder / "chain.json"),
            "--n",
            str(n),
            "--pick",
            "balance",
            "--query",
            BALANCE,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    shutil.rmtree(folder, ignore_errors=True)
    if out.returncode != 0:
        print(f"peers client failed: {out.stderr.strip()[:300]}", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=1_000)
    args = parser.parse_args(argv)

    name = f"loyalty_bench_reads_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    base_url, _, _ = PG_ADMIN_URL.rpartition("/")
    url = f"{base_url}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    proc: subprocess.Popen[bytes] | None = None
    try:
        upgrade(url)
        started = time.perf_counter()
        members, balance = seed(url, args.rows)
        print(
            f"stored {args.rows:,} transfers ({len(balance):,} holders) and {args.rows:,} "
            f"members in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
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
        wait_ready(f"http://127.0.0.1:{port}", proc, timeout=180)
        rng = random.Random(11)
        holders = list(balance)
        n = WARMUP + args.requests
        kinds: list[tuple[str, list[loadgen.Prepared]]] = [
            ("GET /healthz (baseline)", [("/healthz", b"", {})] * n),
            ("{ token { symbol } }", [graphql("{ token { symbol } }")] * n),
            ("balance(address)", [graphql(BALANCE, {"a": rng.choice(holders)}) for _ in range(n)]),
            (
                "account(memberId) points, onchain, tier",
                [graphql(ACCOUNT, {"m": rng.choice(members)}) for _ in range(n)],
            ),
        ]
        results = [(label, *sequential(port, proc.pid, requests)) for label, requests in kinds]
        ours = peers_client(port, balance, args.requests)
        ponder = ponder_recorded()

        print(f"\n{args.requests:,} sequential requests each, one keep-alive connection")
        print(f"{'request':<44} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'server CPU ms/req':>18}")
        for label, r, cpu_ms in results:
            print(
                f"{label:<44} {r.percentile(50):8.2f} {r.percentile(99):8.2f} {r.rate:8.0f}"
                f" {cpu_ms:18.2f}"
            )
            record(Figure("graphql_reads", f"{label}: server CPU per request", cpu_ms, "ms"))
        healthz = results[0][1]
        for label, r, _ in results[2:]:
            for q, target in ((50, "<= 2"), (99, "<= 5")):
                record(
                    Figure(
                        "graphql_reads",
                        f"{label} p{q} ({args.rows:,} rows)",
                        r.percentile(q),
                        "ms",
                        target,
                        "GET /healthz",
                        healthz.percentile(q),
                    )
                )
        if ours is not None:
            print(
                f"{'balance(address), peers client (Node fetch)':<44} {ours['p50_ms']:8.2f} "
                f"{ours['p99_ms']:8.2f} {ours['req_per_s']:8.0f}"
            )
        if ponder is not None:
            lat = ponder["graphql_latency"]
            print(
                f"{'Ponder ' + ponder['ponder_version'] + ', recorded, same query':<44} "
                f"{lat['p50_ms']:8.2f} {lat['p99_ms']:8.2f} {lat['req_per_s']:8.0f}"
                "   (runs/results.jsonl, not this run)"
            )
            mine = ours or {
                "p50_ms": results[2][1].percentile(50),
                "p99_ms": results[2][1].percentile(99),
            }
            for name in ("p50_ms", "p99_ms"):
                record(
                    Figure(
                        "graphql_reads",
                        f"balance(address) {name[:3]} vs Ponder (recorded)",
                        mine[name],
                        "ms",
                        None,
                        f"Ponder {ponder['ponder_version']}",
                        lat[name],
                    )
                )
            print(
                f"ratio ours / Ponder: p50 {mine['p50_ms'] / lat['p50_ms']:.2f}, "
                f"p99 {mine['p99_ms'] / lat['p99_ms']:.2f}"
            )
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

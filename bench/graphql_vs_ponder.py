"""The single-account balance query, ours beside Ponder's, in the same minutes on the same
machine and the same PostgreSQL server: 1,000 sequential keep-alive requests each
(bench.loadgen for both), alternated over `--rounds`, printed with the ratio.

Run: `python -m bench.graphql_vs_ponder --peers DIR [--rows 1000000] [--rounds 3]`, where DIR is
a writable copy of ../shared/peers on which `./setup.sh` has been run (its README: it installs
Ponder with npm into DIR; nothing of Ponder's is in this repository). The peers' workload chain
(`DIR/chain.sh`: 100,000 Transfer events over 5,000 holders) is started, Ponder (`ponder start`
in DIR/ponder-app) indexes it into a fresh database on the same PostgreSQL server as ours
(LOYALTY_TEST_PG_URL), and is measured once it reports the head block; a sample of its answers
is checked against DIR/balances.json. Ours is `loyalty api` (uvicorn, one worker) on
bench.graphql_reads' data (`--rows` transfers and members). Ponder's query is the peers'
`account(address: $a) { balance }`, ours `balance(address: $a)`: the same lookup, each API's
own shape. Also measured on ours, same rounds: GET /healthz and `account(memberId) { points
{ balance onchain } tier { name } }`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench import loadgen
from bench.figures import Figure, record
from bench.graphql_reads import ACCOUNT, BALANCE, WARMUP, graphql, seed
from bench.graphql_rules import ADMIN_KEY, PG_ADMIN_URL, free_port, wait_ready
from cli.migrate import upgrade

PONDER_BALANCE = "query($a: String!) { account(address: $a) { balance } }"


def start_ponder(peers: Path, chain: dict[str, Any], db_url: str, log: Path) -> tuple[Any, int]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "PONDER_TELEMETRY_DISABLED": "true",
        "PONDER_RPC_URL_80002": chain["rpc_url"],
        "TOKEN_ADDRESS": chain["token_address"],
        "START_BLOCK": str(chain["deploy_block"]),
    }
    proc = subprocess.Popen(
        [
            str(peers / "node_modules/.bin/ponder"),
            "start",
            "--port",
            str(port),
            "--hostname",
            "127.0.0.1",
            "--schema",
            "bench",
            "--log-format",
            "json",
        ],
        cwd=peers / "ponder-app",
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    return proc, port


def wait_ponder(peers: Path, port: int, head: int, proc: Any, t0: float) -> dict[str, Any]:
    out = subprocess.run(
        [
            "node",
            str(peers / "scripts/wait_indexed.mjs"),
            "--url",
            f"http://127.0.0.1:{port}/status",
            "--head",
            str(head),
            "--pid",
            str(proc.pid),
            "--t0-mono",
            str(t0),
            "--timeout-s",
            "1800",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"Ponder did not reach block {head}: {out.stdout} {out.stderr[-500:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def check_ponder(port: int, expected: dict[str, str], sample: list[str]) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        for address in sample:
            reply = http.post(
                "/graphql", json={"query": PONDER_BALANCE, "variables": {"a": address}}
            )
            got = reply.json()["data"]["account"]["balance"]
            if str(got) != expected[address]:
                raise SystemExit(
                    f"Ponder answers {got} for {address}, balanceOf is {expected[address]}"
                )


def sequential(port: int, requests: list[loadgen.Prepared]) -> loadgen.Result:
    asyncio.run(loadgen.run("127.0.0.1", port, requests[:WARMUP], 1))
    result = asyncio.run(loadgen.run("127.0.0.1", port, requests[WARMUP:], 1))
    if result.failures:
        raise SystemExit(f"failed: {result.first_failure}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", type=Path, default=os.environ.get("LOYALTY_PEERS_DIR"))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    peers: Path | None = args.peers
    if peers is None or not (peers / "node_modules/.bin/ponder").exists():
        # ./scripts/bench runs every benchmark: without Ponder installed this one has nothing
        # to compare against.
        print(
            "graphql_vs_ponder skipped: --peers DIR (or LOYALTY_PEERS_DIR) must be a writable "
            "copy of ../shared/peers on which ./setup.sh has run"
        )
        return 0
    peers = peers.resolve()

    tag = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
    ours_db, ponder_db = f"loyalty_bench_vs_{tag}", f"ponder_bench_vs_{tag}"
    server, _, _ = PG_ADMIN_URL.rpartition("/")
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{ours_db}"')
        admin.execute(f'CREATE DATABASE "{ponder_db}"')
    scratch = Path(tempfile.mkdtemp(prefix="vs-ponder-"))
    ponder = ours = None
    try:
        subprocess.run([str(peers / "chain.sh")], cwd=peers, check=True, stdout=subprocess.DEVNULL)
        chain = json.loads((peers / "chain.json").read_text())
        expected: dict[str, str] = json.loads((peers / chain["balances_file"]).read_text())
        t0 = time.monotonic()
        ponder, ponder_port = start_ponder(peers, chain, f"{server}/{ponder_db}", scratch / "p.log")
        # Ours is stored while Ponder indexes: both are done before anything is measured.
        upgrade(f"{server}/{ours_db}")
        members, balance = seed(f"{server}/{ours_db}", args.rows)
        waited = wait_ponder(peers, ponder_port, chain["head_block"], ponder, t0)
        print(
            f"Ponder indexed {chain['events']:,} events to block {chain['head_block']} "
            f"({time.monotonic() - t0:.0f} s after its start, with our seeding beside it)",
            flush=True,
        )
        rng = random.Random(11)
        holders = list(expected)
        check_ponder(ponder_port, expected, rng.sample(holders, 20))

        ours_port = free_port()
        env = {
            **os.environ,
            "LOYALTY_DATABASE_URL": f"{server}/{ours_db}",
            "LOYALTY_ADMIN_API_KEY": ADMIN_KEY,
            "LOYALTY_CHAIN_STATE": str(scratch / "chain.state"),
            "LOYALTY_LOG_LEVEL": "WARNING",
        }
        ours = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "api", "--port", str(ours_port)],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        wait_ready(f"http://127.0.0.1:{ours_port}", ours, timeout=180)

        n = WARMUP + args.requests
        ours_holders = list(balance)
        kinds: list[tuple[str, int, list[loadgen.Prepared]]] = [
            ("ours: GET /healthz (baseline)", ours_port, [("/healthz", b"", {})] * n),
            (
                "Ponder: account(address) { balance }",
                ponder_port,
                [
                    (
                        "/graphql",
                        json.dumps({"query": PONDER_BALANCE, "variables": {"a": a}}).encode(),
                        {"content-type": "application/json"},
                    )
                    for a in (rng.choice(holders) for _ in range(n))
                ],
            ),
            (
                "ours: balance(address)",
                ours_port,
                [graphql(BALANCE, {"a": rng.choice(ours_holders)}) for _ in range(n)],
            ),
            (
                "ours: account(memberId) points, onchain, tier",
                ours_port,
                [graphql(ACCOUNT, {"m": rng.choice(members)}) for _ in range(n)],
            ),
        ]
        runs: dict[str, list[loadgen.Result]] = {label: [] for label, _, _ in kinds}
        for round_ in range(args.rounds):
            for label, port, requests in kinds:
                runs[label].append(sequential(port, requests))
            print(f"  round {round_ + 1}/{args.rounds} done", flush=True)
        load = os.getloadavg()[0]

        print(
            f"\n{args.requests:,} sequential keep-alive requests per round, {args.rounds} rounds "
            f"alternated (median of rounds); ours over {args.rows:,} transfers and members, "
            f"Ponder over the peers' {chain['events']:,} events; load average {load:.1f}"
        )
        print(f"{'request':<48} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}   rounds' p50")
        medians: dict[str, tuple[float, float]] = {}
        for label, results in runs.items():
            p50 = statistics.median(r.percentile(50) for r in results)
            p99 = statistics.median(r.percentile(99) for r in results)
            rate = statistics.median(r.rate for r in results)
            medians[label] = (p50, p99)
            each = ", ".join(f"{r.percentile(50):.2f}" for r in results)
            print(f"{label:<48} {p50:8.2f} {p99:8.2f} {rate:8.0f}   {each}")
        ours_bal, theirs = medians["ours: balance(address)"], medians[kinds[1][0]]
        print(
            f"ratio ours / Ponder, balance query: p50 {ours_bal[0] / theirs[0]:.2f}, "
            f"p99 {ours_bal[1] / theirs[1]:.2f} (below 1: ours is faster)"
        )
        for q, index in (("p50", 0), ("p99", 1)):
            record(
                Figure(
                    "graphql_vs_ponder",
                    f"balance(address) {q}, {args.rows:,} rows",
                    ours_bal[index],
                    "ms",
                    "<= 2" if q == "p50" else "<= 5",
                    "Ponder, same minutes",
                    theirs[index],
                )
            )
            account = medians["ours: account(memberId) points, onchain, tier"]
            record(
                Figure(
                    "graphql_vs_ponder",
                    f"account(memberId) {q}, {args.rows:,} rows",
                    account[index],
                    "ms",
                    "<= 2" if q == "p50" else "<= 5",
                    "GET /healthz",
                    medians["ours: GET /healthz (baseline)"][index],
                )
            )
        print(f"(Ponder reached the head {waited.get('indexed_s', 0):.1f} s after its spawn)")
    finally:
        for proc in (ours, ponder):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        subprocess.run([str(peers / "chain.sh"), "stop"], cwd=peers, check=False)
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            for name in (ours_db, ponder_db):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())

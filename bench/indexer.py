"""Indexer benchmark: backfill of ~100,000 Transfer events (5,000 holders; mints, transfers and
burns) from anvil into PostgreSQL, beside a raw baseline measured in the same run (the same
eth_getLogs calls, fetched and JSON-parsed, nothing decoded or stored); then balance query
latency with 1,000,000 transfers stored. `--kill` adds the SIGKILL-and-resume check on 20,000+
events. Targets: ≥ 20,000 events/s, ≥ 50 % of raw, peak RSS < 300 MB.

    python -m bench.indexer [--events 100000] [--holders 5000] [--kill] [--chain-cache DIR]

`--chain-cache DIR` keeps the built chain (anvil's state dump, ~100 s to build) in DIR and
loads it on later runs with the same --events and --holders; every run, the first too, then
measures against an anvil started from that dump.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson

from bench.figures import Figure, record

_ANVIL_ARGS = ("--slots-in-an-epoch", "1", "--gas-limit", "3000000000")


def _build(args: argparse.Namespace) -> dict[str, Any]:
    if args.chain_cache is None:
        return _build_chain(args, None)
    cache = Path(args.chain_cache)
    cache.mkdir(parents=True, exist_ok=True)
    stem = cache / f"chain-{args.events}-{args.holders}"
    state, meta = stem.with_suffix(".state.json"), stem.with_suffix(".meta.json")
    if not (state.exists() and meta.exists()):
        built = _build_chain(args, state)
        row = built["deployment_row"]
        built["activity"].close()
        _stop_and_dump(built["node"])
        built["dbs"].drop_all()
        meta.write_text(json.dumps({"events": built["events"], "deployment": row}, default=str))
    return _load_chain(state, json.loads(meta.read_text()))


def _stop_and_dump(node: Any) -> None:
    """SIGTERM makes anvil write its --dump-state file; a large state takes seconds."""
    node._client.close()
    node.process.terminate()
    node.process.wait(300)


def _load_chain(state: Path, meta: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import insert

    from loyalty.db.engine import make_engine
    from loyalty.db.tables import deployments
    from loyalty.deploy import Deployment
    from tests.support.anvil import ANVIL_KEYS, start_anvil
    from tests.support.databases import PostgresDatabases
    from tests.support.token_activity import TokenActivity

    t0 = time.perf_counter()
    node = start_anvil(*_ANVIL_ARGS, "--load-state", str(state), timeout=300)  # ~200 MB to load
    dbs = PostgresDatabases()
    url = dbs.fresh()
    row = meta["deployment"]
    row["created_at"] = datetime.datetime.fromisoformat(row["created_at"])
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(deployments).values(**row))
    engine.dispose()
    activity = TokenActivity(
        node=node, deployment=Deployment.from_row(SimpleNamespace(**row)), minter_key=ANVIL_KEYS[1]
    )
    print(
        f"loaded {meta['events']:,} events from {state} in {time.perf_counter() - t0:.0f}s "
        f"(head {activity.head()})",
        file=sys.stderr,
    )
    return {"node": node, "dbs": dbs, "url": url, "activity": activity, "events": meta["events"]}


def _build_chain(args: argparse.Namespace, dump: Path | None) -> dict[str, Any]:
    from sqlalchemy import select

    from loyalty.db.engine import make_engine
    from loyalty.db.tables import deployments
    from tests.support.anvil import start_anvil
    from tests.support.databases import PostgresDatabases
    from tests.support.token_activity import TokenActivity, random_address

    rng = random.Random(1)
    extra = ("--dump-state", str(dump)) if dump is not None else ()
    node = start_anvil(*_ANVIL_ARGS, *extra)
    dbs = PostgresDatabases()
    url = dbs.fresh()
    activity = TokenActivity.deploy(node, url)
    node.rpc("evm_setAutomine", [False])
    holders = [random_address(rng) for _ in range(args.holders)]
    t0 = time.perf_counter()
    produced = 0
    mints = int(args.events * 0.4)
    burns = int(args.events * 0.1)
    transfers = args.events - mints - burns
    while produced < mints:
        chunk = [holders[(produced + i) % len(holders)] for i in range(500)]
        activity.send_raw([activity.mint_batch_tx(chunk, [1_000] * 500)])
        produced += 500
        if produced % 10_000 == 0:
            node.mine(1)
    node.mine(1)
    done = 0
    while done < transfers:
        n = min(2_000, transfers - done)
        activity.transfers(
            [(rng.choice(holders), rng.choice(holders), rng.randint(1, 9)) for _ in range(n)]
        )
        node.mine(1)
        done += n
        print(f"  chain: {produced + done:,} events", end="\r", file=sys.stderr, flush=True)
    burned = 0
    while burned < burns:
        chunk = rng.sample(holders, 500)
        activity.send_raw([activity.burn_batch_tx(chunk, [1] * 500)])
        burned += 500
    node.mine(3)
    print(
        f"built {produced + done + burned:,} events in {time.perf_counter() - t0:.0f}s "
        f"(head {activity.head()})",
        file=sys.stderr,
    )
    engine = make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(select(deployments)).first()
    engine.dispose()
    assert row is not None
    return {
        "node": node,
        "dbs": dbs,
        "url": url,
        "activity": activity,
        "events": produced + done + burned,
        "deployment_row": {k: v for k, v in row._mapping.items() if k != "id"},
    }


def _child_index(url: str, rpc_url: str, token: str, start: int, chain_id: int) -> None:
    """Runs in a subprocess so that its peak RSS is the indexer's alone."""
    from indexer.config import IndexerConfig
    from indexer.rpc import HttpRpc
    from indexer.sync import Indexer
    from loyalty.db.engine import make_engine

    calls: list[list[Any]] = []
    engine = make_engine(url)
    indexer = Indexer(
        engine,
        HttpRpc(rpc_url),
        chain_id,
        token,
        start,
        IndexerConfig(initial_range=5, max_logs=20_000),
        logs_calls=calls,
    )
    t0, cpu0 = time.perf_counter(), time.process_time()
    state = indexer.run_until_caught_up()
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0  # this process's CPU, all threads: steadier under load
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The fetch worker process (ended and waited for by now): its own peak.
    worker_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "elapsed": elapsed,
                "cpu": cpu,
                "events": state.events,
                "rss_mb": rss_mb,
                "worker_rss_mb": worker_rss_mb,
                "calls": calls,
                "block": state.indexed_block,
            }
        )
    )


def _raw(rpc_url: str, calls: list[Any]) -> tuple[float, int]:
    import httpx

    client = httpx.Client(timeout=120, headers={"content-type": "application/json"})
    logs = 0
    t0 = time.perf_counter()
    for i, params in enumerate(calls):
        body = {"jsonrpc": "2.0", "id": i, "method": "eth_getLogs", "params": params}
        logs += len(
            orjson.loads(client.post(rpc_url, content=orjson.dumps(body)).content)["result"]
        )
    elapsed = time.perf_counter() - t0
    client.close()
    return elapsed, logs


def _queries(dbs: Any, rows: int, holders: int) -> dict[str, float]:
    """Stores `rows` transfers (and their balance history) directly, then times lookups."""
    from indexer.queries import indexed_balance
    from indexer.store import init_state
    from loyalty.db.engine import make_async_engine, make_engine

    url = dbs.fresh()
    engine = make_engine(url)
    rng = random.Random(2)
    addrs = [f"0x{rng.getrandbits(160):040x}" for _ in range(holders)]
    bal = dict.fromkeys(addrs, 10**9)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        init_state(conn, 1, "0x" + "11" * 20, 0)
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            with cur.copy(
                "COPY indexer_transfers (tx_hash, log_index, block_number, from_address,"
                " to_address, value) FROM STDIN"
            ) as tcopy:
                hist: list[tuple[str, int, int]] = []
                for i in range(rows):
                    block = i // 10
                    a, b = rng.choice(addrs), rng.choice(addrs)
                    v = rng.randint(1, 100)
                    bal[a] -= v
                    bal[b] += v
                    tcopy.write_row((f"0x{i:064x}", 0, block, a, b, v))
                    hist.append((a, block, bal[a]))
                    hist.append((b, block, bal[b]))
            latest: dict[tuple[str, int], int] = {}
            for a, block, v in hist:
                latest[(a, block)] = v
            with cur.copy(
                "COPY indexer_balance_history (address, block_number, balance) FROM STDIN"
            ) as hcopy:
                for (a, block), v in latest.items():
                    hcopy.write_row((a, block, v))
            with cur.copy(
                "COPY indexer_balances (address, balance, block_number) FROM STDIN"
            ) as bc:
                for a, v in bal.items():
                    bc.write_row((a, v, rows // 10))
        conn.exec_driver_sql("UPDATE indexer_state SET indexed_block = %s", (rows // 10,))
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    engine.dispose()
    print(f"stored {rows:,} transfers in {time.perf_counter() - t0:.0f}s", file=sys.stderr)

    async def timed() -> dict[str, float]:
        aengine = make_async_engine(url)
        out: dict[str, float] = {}
        async with aengine.connect() as conn:
            for label, with_block in (
                ("balance(address)", False),
                ("balance(address, block)", True),
            ):
                samples = []
                for _ in range(1_000):
                    a = rng.choice(addrs)
                    block = rng.randint(0, rows // 10) if with_block else None
                    t = time.perf_counter()
                    await indexed_balance(conn, a, block)
                    samples.append((time.perf_counter() - t) * 1000)
                samples.sort()
                out[f"{label} p50 ms"] = statistics.median(samples)
                out[f"{label} p99 ms"] = samples[int(len(samples) * 0.99) - 1]
        await aengine.dispose()
        return out

    return asyncio.run(timed())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--holders", type=int, default=5_000)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--kill", action="store_true", help="also SIGKILL-and-resume, 20k events")
    parser.add_argument(
        "--chain-cache", metavar="DIR", help="keep the built chain in DIR and reuse it"
    )
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url, rpc_url, token, start, chain_id = args.child
        _child_index(url, rpc_url, token, int(start), int(chain_id))
        return
    built = _build(args)
    activity, node, dbs = built["activity"], built["node"], built["dbs"]
    try:
        d = activity.deployment
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.indexer",
                "--child",
                built["url"],
                node.url,
                d.address,
                str(d.deployment_block),
                str(d.chain_id),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        child = json.loads(out.stdout.strip().splitlines()[-1])
        raw_elapsed, raw_logs = _raw(node.url, child["calls"])
        events = child["events"]
        idx_rate = events / child["elapsed"]
        raw_rate = raw_logs / raw_elapsed
        print(
            f"\nindexer backfill: {events:,} events ({len(child['calls'])} eth_getLogs calls) "
            f"in {child['elapsed']:.2f}s = {idx_rate:,.0f} events/s, "
            f"indexer process CPU {child['cpu']:.2f}s, "
            f"peak RSS {child['rss_mb']:.0f} MB (+ fetch worker process "
            f"{child['worker_rss_mb']:.0f} MB = {child['rss_mb'] + child['worker_rss_mb']:.0f} MB)"
        )
        print(
            f"raw baseline:     {raw_logs:,} logs fetched + parsed in {raw_elapsed:.2f}s = "
            f"{raw_rate:,.0f} events/s"
        )
        print(
            f"ratio:            {100 * idx_rate / raw_rate:.0f} % of raw "
            f"(targets: ≥ 20,000 events/s, ≥ 75 %, RSS < 300 MB)"
        )
        record(
            Figure(
                "indexer",
                f"backfill, {events:,} events",
                idx_rate,
                "events/s",
                ">= 0.75x",
                "raw eth_getLogs",
                raw_rate,
            )
        )
        rss = child["rss_mb"] + child["worker_rss_mb"]
        record(Figure("indexer", "peak RSS, indexer + fetch worker", rss, "MB", "<= 300"))
        if args.kill:
            _kill(built)
        for label, value in _queries(dbs, args.stored, args.holders).items():
            print(f"{label:32s} {value:.3f}")
    finally:
        activity.close()
        node.stop()
        dbs.drop_all()


def _kill(built: dict[str, Any]) -> None:
    """SIGKILL-and-resume of `loyalty indexer` on the first 20,000+ events of the same chain."""
    import os

    from audit.check import digest
    from indexer.queries import balances_at
    from loyalty.db.engine import make_engine
    from tests.integration.test_indexer_crash import run_with_kills

    url = built["dbs"].fresh()
    engine = make_engine(url)
    from sqlalchemy import insert, select

    from loyalty.db.tables import deployments

    with make_engine(built["url"]).connect() as src:
        row = src.execute(select(deployments)).first()
    with engine.begin() as conn:
        conn.execute(
            insert(deployments).values(**{k: v for k, v in row._mapping.items() if k != "id"})
        )
    env = {
        **os.environ,
        "LOYALTY_DATABASE_URL": url,
        "LOYALTY_RPC_URL": built["node"].url,
        "LOYALTY_LOG_LEVEL": "WARNING",
    }
    t0 = time.perf_counter()
    kills = run_with_kills(env, random.Random(3), max_range=1, kills=12)
    with engine.connect() as conn, make_engine(built["url"]).connect() as ref:
        block = conn.exec_driver_sql("SELECT indexed_block FROM indexer_state").scalar_one()
        events = conn.exec_driver_sql("SELECT events FROM indexer_state").scalar_one()
        same = digest(balances_at(conn, block)) == digest(balances_at(ref, block))
    engine.dispose()
    print(
        f"kill-and-resume:  {kills} SIGKILLs during a backfill of {events:,} events "
        f"({time.perf_counter() - t0:.0f}s); digest equal to the uninterrupted run: {same}"
    )
    if not same:
        raise SystemExit("kill-and-resume digest differs")


if __name__ == "__main__":
    main()

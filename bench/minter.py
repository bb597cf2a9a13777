"""The minter end to end on anvil with a 1 s block time: latency from an accepted request to its
final mint, gas per awarded activity against one plain `mint` per order, and sustained rate.

Run: `python -m bench.minter [--orders 1000]` (starts its own anvil and a SQLite database).

"Accepted" is the commit of the ledger entry and its outbox row (what a webhook's 200 means);
anvil runs with `--slots-in-an-epoch 1`, so its `finalized` block trails the head by 2 blocks
(as Polygon's milestones do by a few seconds), and the minter uses its default batch age (2 s).
The naive baseline is measured in the same run on the same node: one OpenZeppelin `mint`
transaction per order to a fresh address (`ReferenceToken`), what a plain integration does.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path

import psycopg
from eth_account import Account
from eth_utils.crypto import keccak
from sqlalchemy import func, insert, select
from web3 import Web3

from bench.figures import Figure, record
from cli.migrate import upgrade
from loyalty.db.outbox import FINAL, chain_requests
from loyalty.db.times import utc
from minter.loop import start_thread
from minter.tables import B_FINAL, mint_batches, minter_txs
from tests.support.anvil import ANVIL_KEYS, start_anvil
from tests.support.databases import PG_ADMIN_URL, _pg_url
from tests.support.minter import MinterEnv, insert_requests, make_env
from tests.support.token import Token, send_raw

GAS_TARGET_RATIO = 0.5  # batching must be at least 2x cheaper per activity


def fresh(n: int, salt: str) -> list[str]:
    return [Web3.to_checksum_address(keccak(text=f"{salt}-{i}")[12:]) for i in range(n)]


def _count(env: MinterEnv, status: str = FINAL) -> int:
    with env.engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).where(chain_requests.c.status == status)).scalar_one()
        )


def _wait_final(env: MinterEnv, total: int, timeout: float = 600) -> float:
    start = time.monotonic()
    while _count(env) < total:
        if time.monotonic() - start > timeout:
            raise SystemExit(f"only {_count(env)} of {total} final after {timeout} s")
        time.sleep(0.05)
    return time.monotonic()


def latency(env: MinterEnv, samples: int) -> list[float]:
    seconds = []
    done = _count(env)
    for i, address in enumerate(fresh(samples, "latency")):
        start = time.monotonic()
        insert_requests(env.engine, [("MINT", address, 10 + i)])
        done += 1
        seconds.append(_wait_final(env, done) - start)
    return seconds


def sustained(env: MinterEnv, rate: int, seconds: float) -> dict[str, float]:
    """Requests accepted at `rate` per second for `seconds` (a tenth of a second's worth at a
    time, to fresh addresses), then until all are final: the final rate in the steady part
    (from 5 s after the first accepted to the last accepted) and accepted -> final latencies."""
    addresses = fresh(int(rate * seconds), f"sustained-{time.time()}")
    step = max(1, rate // 10)
    first = last_batch(env)
    began = time.monotonic()
    for i in range(0, len(addresses), step):
        now = dt.datetime.now(dt.UTC)
        rows = [
            {"kind": "MINT", "address": a.lower(), "amount": 10, "member_id": a.lower()}
            | {"created_at": now, "updated_at": now}
            for a in addresses[i : i + step]
        ]
        with env.engine.begin() as conn:  # one multi-row INSERT: the feeder stays cheap
            conn.execute(insert(chain_requests), rows)
        pause = began + (i + step) / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    fed = time.monotonic() - began
    deadline = time.monotonic() + 600
    while _unfinished(env) and time.monotonic() < deadline:
        time.sleep(0.1)
    with env.engine.connect() as conn:
        stored = conn.execute(
            select(chain_requests.c.created_at, chain_requests.c.updated_at).where(
                chain_requests.c.batch_id > first, chain_requests.c.status == FINAL
            )
        ).all()
    if len(stored) != len(addresses):
        raise SystemExit(f"sustained: {len(stored)} of {len(addresses)} final")
    times = [(_at(c), _at(u)) for c, u in stored]
    lat = sorted((u - c).total_seconds() for c, u in times)
    start = min(c for c, _ in times)
    window = (start + dt.timedelta(seconds=5), start + dt.timedelta(seconds=fed))
    in_window = sum(1 for _, u in times if window[0] <= u <= window[1])
    return {
        "fed": len(addresses) / fed,
        "final_rate": in_window / max(0.001, (window[1] - window[0]).total_seconds()),
        "p50": lat[len(lat) // 2],
        "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))],
        "all": len(addresses) / ((max(u for _, u in times) - start).total_seconds()),
    }


def _at(value: dt.datetime) -> dt.datetime:
    return utc(value)  # SQLite answers naive UTC times


def _unfinished(env: MinterEnv) -> int:
    with env.engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).where(chain_requests.c.status != FINAL)).scalar_one()
        )


def minter_gas(env: MinterEnv, since_batch: int) -> tuple[int, int]:
    """(gasUsed of the minter's mined transactions, requests they carried) after a batch id."""
    with env.engine.connect() as conn:
        gas = conn.execute(
            select(func.coalesce(func.sum(minter_txs.c.gas_used), 0)).where(
                minter_txs.c.batch_pk > since_batch, minter_txs.c.gas_used.is_not(None)
            )
        ).scalar_one()
        requests = conn.execute(
            select(func.count()).where(chain_requests.c.batch_id > since_batch)
        ).scalar_one()
    return int(gas), int(requests)


def last_batch(env: MinterEnv) -> int:
    with env.engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(mint_batches.c.id), 0))).scalar_one())


def naive_gas_per_order(env: MinterEnv, orders: int) -> float:
    admin = Account.from_key(ANVIL_KEYS[2]).address
    reference = Token.deploy(env.chain, ANVIL_KEYS[2], admin, artifact="ReferenceToken")
    reference.send(ANVIL_KEYS[2], "mint", fresh(1, "warm")[0], 1)  # totalSupply from zero
    used = []
    for address in fresh(orders, "naive"):
        tx = reference._tx(ANVIL_KEYS[2], "mint", (address, 10), None)
        used.append(int(send_raw(env.chain, ANVIL_KEYS[2], tx)["gasUsed"]))
    return statistics.mean(used)


@contextlib.contextmanager
def _database(pg: bool, tmp: Path) -> Iterator[str]:
    if not pg:
        yield f"sqlite:///{tmp / 'bench.db'}"
        return
    name = f"loyalty_bench_minter_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000, help="requests in the rate run")
    parser.add_argument("--latency-samples", type=int, default=5)
    parser.add_argument("--naive-orders", type=int, default=20)
    parser.add_argument(
        "--pg", action="store_true", help="a fresh PostgreSQL database instead of SQLite"
    )
    parser.add_argument("--rate", type=int, default=1000, help="(d) requests accepted per second")
    parser.add_argument("--seconds", type=float, default=20, help="(d) for this long")
    args = parser.parse_args(argv)

    anvil = start_anvil("--block-time", "1", "--slots-in-an-epoch", "1")
    with tempfile.TemporaryDirectory() as tmp, _database(args.pg, Path(tmp)) as url:
        upgrade(url)
        env = make_env(anvil, url)
        env.settings = env.settings.with_(
            minter_batch_age=Decimal(2), minter_poll_interval=Decimal("0.1")
        )
        stop = threading.Event()
        thread = start_thread(env.minter(), stop)
        try:
            print("anvil 1 s blocks, finalized = head - 2; batch age 2 s, batch size 200")
            print(f"(a) latency, accepted -> final mint, {args.latency_samples} orders one by one:")
            lat = latency(env, args.latency_samples)
            print(f"    median {statistics.median(lat):.2f} s, max {max(lat):.2f} s")
            record(Figure("minter", "accepted -> final, median", statistics.median(lat), "s"))

            before = last_batch(env)
            print(f"(c) rate: {args.orders} orders accepted at once, to fresh addresses")
            start = time.monotonic()
            insert_requests(env.engine, [("MINT", a, 10) for a in fresh(args.orders, "rate")])
            end = _wait_final(env, args.latency_samples + args.orders)
            elapsed = end - start
            print(
                f"    all final in {elapsed:.1f} s: {args.orders / elapsed:.0f} requests/s "
                f"(final, including the 2-block finality wait)"
            )
            record(Figure("minter", "requests to final", args.orders / elapsed, "req/s", ">= 1000"))

            print(f"(d) sustained: {args.rate} requests/s accepted for {args.seconds:.0f} s")
            d = sustained(env, args.rate, args.seconds)
            print(
                f"    fed {d['fed']:.0f}/s; final {d['final_rate']:.0f} requests/s in the steady "
                f"part, {d['all']:.0f}/s first accepted -> last final; accepted -> final p50 "
                f"{d['p50']:.2f} s, p99 {d['p99']:.2f} s ({d['p99'] / d['p50']:.2f}x the median)"
            )
            record(
                Figure("minter", "sustained requests to final", d["final_rate"], "req/s", ">= 1000")
            )
            record(Figure("minter", "sustained p99 / median", d["p99"] / d["p50"], "x", "<= 2"))

            gas, carried = minter_gas(env, before)
            per_activity = gas / carried
            naive = naive_gas_per_order(env, args.naive_orders)
            ratio = per_activity / naive
            print("(b) gas per awarded activity (fresh recipients, whole transactions):")
            print(
                f"    minter batches {per_activity:,.0f}  vs  one OpenZeppelin mint per order "
                f"{naive:,.0f}  ratio {ratio:.2f} (target <= {GAS_TARGET_RATIO})"
            )
            with env.engine.connect() as conn:
                batches = conn.execute(
                    select(func.count()).where(
                        mint_batches.c.id > before, mint_batches.c.status == B_FINAL
                    )
                ).scalar_one()
            print(f"    {carried} requests in {batches} batches")
            record(
                Figure(
                    "minter",
                    "gas per awarded activity",
                    per_activity,
                    "gas",
                    f"<= {GAS_TARGET_RATIO}x",
                    "OZ mint/order",
                    naive,
                )
            )
        finally:
            stop.set()
            thread.join(30)
            env.close()
            anvil.stop()
    return 0 if ratio <= GAS_TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())

"""`python -m bench.commit_tree [members]`: the committed tree (minter.commitment, issue 17) on
PostgreSQL at 100,000 members by default (BENCH_COMMIT_MEMBERS or the argument for another size):
what moving the stored tree to a new batch of 200 changed members costs (what the minter pays per
SETTLE batch, from the database alone: a restarted minter pays the same), beside, in the same
run, building the stored tree from scratch and rebuilding it in memory from the outbox (what
every batch, or every restart, would cost without stored nodes). Then memberProof's proof against
the committed root (minter.committed_proof) with the stored tree one batch of 200 ahead of the
final one, as while the minter sends: p99 of a proof, beside the in-memory rebuild it avoids.

Uses a throw-away database beside LOYALTY_TEST_PG_URL's (default the test database)."""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time

import psycopg
from sqlalchemy import Engine, insert, update

from bench.figures import Figure, record
from cli.migrate import upgrade
from loyalty.db.engine import make_engine
from loyalty.db.ledger import members
from loyalty.db.outbox import FINAL, MINT, PENDING, chain_requests
from loyalty.db.proofs import member_salts, new_salts
from minter.commitment import move_to, rebuild
from minter.committed_proof import CommittedProofs
from minter.tables import mint_batches
from verifier import loyalty_verify

PG_ADMIN_URL = os.environ.get("LOYALTY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
TOKEN = "0x" + "70" * 20
CHAIN = 31337
CHUNK = 10_000
CHANGED = 200
BATCHES = 5


def _batch(conn: object, pk: int, status: str) -> None:
    conn.execute(  # type: ignore[attr-defined]
        insert(mint_batches).values(
            id=pk,
            chain_id=CHAIN,
            token_address=TOKEN,
            batch_id=f"0x{pk:064x}",
            kind="SETTLE",
            status=status,
            recipients=0,
            total=0,
            created_at=NOW,
            updated_at=NOW,
        )
    )


def _requests(
    pks: list[int], batch: int, status: str, rng: random.Random
) -> list[dict[str, object]]:
    return [
        {
            "kind": MINT,
            "address": f"0x{pk:040x}",
            "amount": rng.randrange(1, 10_000),
            "member_id": f"member-{pk}@example.com",
            "batch_id": batch,
            "status": status,
            "created_at": NOW,
            "updated_at": NOW,
        }
        for pk in pks
    ]


def seed(engine: Engine, size: int) -> None:
    """`size` members with a salt, each with one final mint in batch 1."""
    rng = random.Random(size)
    with engine.begin() as conn:
        _batch(conn, 1, "FINAL")
        for start in range(1, size + 1, CHUNK):
            ids = list(range(start, min(start + CHUNK, size + 1)))
            conn.execute(
                insert(members),
                [
                    {
                        "id": i,
                        "member_id": f"member-{i}@example.com",
                        "custodial_address": f"0x{i:040x}",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for i in ids
                ],
            )
            conn.execute(insert(member_salts), new_salts(ids))
            conn.execute(insert(chain_requests), _requests(ids, 1, FINAL, rng))


def measure(engine: Engine, size: int) -> list[Figure]:
    t0 = time.perf_counter()
    first = move_to(engine, 1, NOW, token=TOKEN, chain_id=CHAIN)
    build_s = time.perf_counter() - t0
    with engine.connect() as conn:
        t0 = time.perf_counter()
        _, tree = rebuild(conn, 1)
        memory_s = time.perf_counter() - t0
    assert tree.root == first.root, "the stored tree differs from a rebuild"
    rng = random.Random(2)
    times = []
    position = 1
    for n in range(BATCHES):
        position = n + 2
        changed = rng.sample(range(1, size + 1), CHANGED)
        with engine.begin() as conn:
            _batch(conn, position, PENDING)
            conn.execute(insert(chain_requests), _requests(changed, position, PENDING, rng))
        t0 = time.perf_counter()
        moved = move_to(engine, position, NOW, token=TOKEN, chain_id=CHAIN)
        times.append(time.perf_counter() - t0)
        with engine.begin() as conn:  # the batch lands and is final before the next one
            conn.execute(
                update(mint_batches).where(mint_batches.c.id == position).values(status=FINAL)
            )
    with engine.connect() as conn:
        _, tree = rebuild(conn, position)
    assert tree.root == moved.root, "the incrementally moved tree differs from a rebuild"
    proof_p99 = _committed_proofs(engine, size, position, moved.root_hex, moved.supply, rng)
    update_s = statistics.median(times)
    name = f"commit tree {size:,}"
    print(f"{name} (PostgreSQL, depth {moved.depth}):")
    print(f"  stored tree built from scratch   {build_s:.2f} s")
    print(f"  tree rebuilt in memory (audit)   {memory_s:.2f} s")
    print(
        f"  moved to a batch of {CHANGED} changed members: median {update_s * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms over {BATCHES} batches (root = a full rebuild's)"
    )
    print(
        f"  memberProof against the final root, stored tree a batch ahead: p99 "
        f"{proof_p99 * 1000:.0f} ms (each checked by the standalone verifier)"
    )
    return [
        record(Figure(name, "stored tree built from scratch", build_s, "s")),
        record(
            Figure(
                name,
                "committed memberProof p99 (tree a batch ahead)",
                proof_p99,
                "s",
                "<= 0.1x",
                "in-memory rebuild",
                memory_s,
            )
        ),
        record(Figure(name, "in-memory rebuild from the outbox", memory_s, "s")),
        record(
            Figure(
                name,
                f"per batch of {CHANGED} changed members",
                update_s,
                "s",
                "<= 0.1x",
                "in-memory rebuild",
                memory_s,
            )
        ),
    ]


def _committed_proofs(
    engine: Engine, size: int, final: int, root: str, supply: int, rng: random.Random
) -> float:
    """Batch `final` committed on chain and final; one more batch of changes sent (the stored
    tree moves to it): the p99 of a committed proof, each verified against `root`."""
    with engine.begin() as conn:
        conn.execute(
            update(mint_batches)
            .where(mint_batches.c.id == final)
            .values(root=root, committed_supply=supply, tx_hash="0x" + "ab" * 32, block_number=9)
        )
        _batch(conn, final + 1, "SENT")
        changed = rng.sample(range(1, size + 1), CHANGED)
        conn.execute(insert(chain_requests), _requests(changed, final + 1, PENDING, rng))
    move_to(engine, final + 1, NOW, token=TOKEN, chain_id=CHAIN)
    times = []
    proofs = CommittedProofs()  # as the API keeps it: the first proof makes the overlay
    for pk in rng.sample(range(1, size + 1), 100) + changed[:100]:
        t0 = time.perf_counter()
        with engine.connect() as conn:
            document = proofs.proof(conn, f"member-{pk}@example.com")
        times.append(time.perf_counter() - t0)
        assert document is not None
        loyalty_verify.check(document, root)
    print(f"  first committed proof (the overlay made): {times[0] * 1000:.0f} ms")
    return statistics.quantiles(times, n=100)[98]


def main(argv: list[str]) -> int:
    size = int(argv[0]) if argv else int(os.environ.get("BENCH_COMMIT_MEMBERS", "100000"))
    name = f"loyalty_bench_commit_{os.getpid()}"
    base_url, _, _ = PG_ADMIN_URL.rpartition("/")
    url = f"{base_url}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        upgrade(url)
        engine = make_engine(url)
        try:
            print(f"seeding {size:,} members with one final mint each …", flush=True)
            seed(engine, size)
            figures = measure(engine, size)
        finally:
            engine.dispose()
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0 if all(f.met() is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""`python -m bench.proofs_db [members]`: the ledger's tree from a PostgreSQL database of
100,000 members by default (one entry each; BENCH_PROOFS_MEMBERS or the argument for another
size): what memberProof's first request costs (the whole tree built from the database), a
request with nothing changed (the fingerprint only), one after 200 members changed (their
paths only), and `loyalty audit --proofs` (the audit's own rebuild and every check). Baseline in
the same run: the first build, for the update.

Uses a throw-away database beside LOYALTY_TEST_PG_URL's (default the test database)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import sys
import time

import psycopg
from sqlalchemy import insert, update

from audit.proofs import audit_proofs
from bench.figures import Figure, record
from cli.migrate import upgrade
from loyalty.db.engine import make_async_engine, make_engine
from loyalty.db.ledger import ledger_entries, members
from loyalty.db.onchain import balances
from loyalty.db.proofs import member_salts, new_salts
from loyalty.services.proofs import ProofBooks, current_book, member_proof
from loyalty.services.uow import UnitOfWork

PG_ADMIN_URL = os.environ.get("LOYALTY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
CHUNK = 10_000


def seed(url: str, size: int) -> None:
    rng = random.Random(size)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for start in range(1, size + 1, CHUNK):
                ids = range(start, min(start + CHUNK, size + 1))
                points = {i: rng.randrange(1, 100_000) for i in ids}
                conn.execute(
                    insert(members),
                    [
                        {
                            "id": i,
                            "member_id": f"member-{i}@example.com",
                            "custodial_address": f"0x{i:040x}",
                            "adjusted": points[i],
                            "created_at": NOW,
                            "updated_at": NOW,
                        }
                        for i in ids
                    ],
                )
                conn.execute(
                    insert(ledger_entries),
                    [
                        {
                            "member_pk": i,
                            "type": "ADJUST",
                            "points": points[i],
                            "delta": points[i],
                            "balance_after": points[i],
                            "created_at": NOW,
                        }
                        for i in ids
                    ],
                )
                conn.execute(insert(member_salts), new_salts(list(ids)))
                conn.execute(  # as if minted and indexed
                    insert(balances),
                    [
                        {"address": f"0x{i:040x}", "balance": points[i], "block_number": 1}
                        for i in ids
                    ],
                )
    finally:
        engine.dispose()


async def measure(url: str, size: int) -> list[Figure]:
    engine = make_async_engine(url)
    books = ProofBooks()
    try:
        t0 = time.perf_counter()
        await current_book(UnitOfWork(engine), books)
        build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        await member_proof(UnitOfWork(engine), books, "member-7@example.com")
        same_s = time.perf_counter() - t0
        changed = random.Random(1).sample(range(1, size + 1), 200)
        async with engine.begin() as conn:
            for pk in changed:
                await conn.execute(
                    update(members)
                    .where(members.c.id == pk)
                    .values(adjusted=members.c.adjusted + 1, revision=members.c.revision + 1)
                )
                await conn.execute(
                    insert(ledger_entries).values(
                        member_pk=pk, type="ADJUST", points=1, delta=1, balance_after=0,
                        created_at=NOW,
                    )
                )  # fmt: skip
                await conn.execute(
                    update(balances)
                    .where(balances.c.address == f"0x{pk:040x}")
                    .values(balance=balances.c.balance + 1)
                )
        t0 = time.perf_counter()
        await member_proof(UnitOfWork(engine), books, "member-7@example.com")
        update_s = time.perf_counter() - t0
    finally:
        await engine.dispose()
    name = f"proofs db {size:,}"
    print(f"{name}: first memberProof (tree built from the database) {build_s:.2f} s")
    print(f"  memberProof with nothing changed {same_s * 1000:.0f} ms (fingerprint only)")
    print(f"  memberProof after 200 members changed {update_s * 1000:.0f} ms")
    return [
        record(Figure(name, "first build", build_s, "s")),
        record(Figure(name, "unchanged request", same_s, "s")),
        record(Figure(name, "after 200 changes", update_s, "s", "<= 0.5x", "first build", build_s)),
    ]


def main(argv: list[str]) -> int:
    size = int(argv[0]) if argv else int(os.environ.get("BENCH_PROOFS_MEMBERS", "100000"))
    name = f"loyalty_bench_proofs_{os.getpid()}"
    base_url, _, _ = PG_ADMIN_URL.rpartition("/")
    url = f"{base_url}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        upgrade(url)
        print(f"seeding {size:,} members into PostgreSQL …", flush=True)
        seed(url, size)
        figures = asyncio.run(measure(url, size))
        engine = make_engine(url)
        try:
            t0 = time.perf_counter()
            report = audit_proofs(engine)
            audit_s = time.perf_counter() - t0
        finally:
            engine.dispose()
        assert report.clean and report.members == size, report.findings[:3]
        print(f"  loyalty audit --proofs {audit_s:.2f} s (clean, {report.members:,} members)")
        figures.append(record(Figure(f"proofs db {size:,}", "audit --proofs", audit_s, "s")))
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0 if all(f.met() is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

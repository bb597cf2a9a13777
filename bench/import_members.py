"""Importing an existing program (issue 16, item 4) on PostgreSQL and anvil, minted to final:
rows/s of the file's validation and staging, of applying the rows (members, contacts, IMPORT
entries and their mints), and of the whole import until every mint is final on chain, with the
1,000,000-row figure extrapolated from the measured rate.

Run: `python -m bench.import_members [--rows 20000] [--batch-size 1000]` (a throw-away database
beside LOYALTY_TEST_PG_URL's, its own anvil with 1 s blocks and `finalized` = head - 2, the real
minter thread beside the import as in `loyalty serve`). The target is 1,000,000 rows in 10
minutes, 1,667 rows/s end to end; the baseline is the floor of the database alone: a plain COPY
of the same rows into a table with no index, measured in the same run."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import psycopg
from sqlalchemy import func, select, text

from bench.figures import Figure, record
from cli.importing import Progress
from cli.migrate import upgrade
from loyalty.custody import Custody
from loyalty.db.engine import make_async_engine
from loyalty.db.outbox import BATCHED, PENDING, chain_requests
from loyalty.domain.import_rows import text_lines
from loyalty.services import job_kinds
from loyalty.services.bootstrap import unit_of_work_factory
from loyalty.services.importing import start_import
from minter.loop import start_thread
from tests.support.anvil import start_anvil
from tests.support.minter import make_env

PG_ADMIN_URL = os.environ.get("LOYALTY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
MNEMONIC = "test test test test test test test test test test test junk"
TARGET_ROWS_PER_S = 1_000_000 / 600


def write_file(path: Path, rows: int) -> None:
    with path.open("w") as out:
        out.write("external_id,email,wallet_address,balance,earned,tier,last_activity\n")
        for i in range(1, rows + 1):
            wallet = f"0x{0xB0B0000000 + i:040x}" if i % 10 == 0 else ""
            out.write(
                f"shop-{i:07d},member{i}@shop.example,{wallet},{i % 500 + 1},{i % 700 + 1},,"
                f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
            )


def copy_floor(url: str, path: Path) -> float:
    """Seconds for a plain COPY of the file into a table without index: the database's floor."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TEMPORARY TABLE floor (a text, b text, c text, d bigint, e bigint, f text, "
            "g text)"
        )
        start = time.monotonic()
        with conn.cursor() as cur, cur.copy("COPY floor FROM STDIN (FORMAT csv, HEADER)") as cp:
            cp.write(path.read_bytes())
        return time.monotonic() - start


def unsettled(engine) -> int:  # type: ignore[no-untyped-def]
    """Mints not final yet (counting the few left, not the many done: the index stays small)."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(chain_requests)
                .where(chain_requests.c.status.in_((PENDING, BATCHED)))
            ).scalar_one()
        )


async def import_file(url: str, path: Path) -> tuple[float, float, int]:
    engine = make_async_engine(url)
    try:
        new_uow = unit_of_work_factory(engine)
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        start = time.monotonic()
        started = await start_import(
            new_uow(),
            text_lines([data[i : i + (1 << 20)] for i in range(0, len(data), 1 << 20)]),
            fmt="csv",
            key=f"sha256:{sha}",
            file_name=path.name,
            sha256=sha,
        )
        staged = time.monotonic()
        assert started.job is not None and started.report is not None
        assert not started.report.error_count, started.report.errors[:3]
        custody = Custody(MNEMONIC)
        # The CLI's own progress (`loyalty import`): a bar on a terminal, else a line a tenth.
        progress = Progress("applying", started.job.total)
        try:
            job = await job_kinds.run(
                new_uow,
                started.job.id,
                custody=lambda: custody,
                on_progress=lambda j: progress.update(j.processed + j.errors),
            )
        finally:
            progress.close()
        applied = time.monotonic()
        assert job.state == "DONE", job
        return staged - start, applied - staged, job.processed
    finally:
        await engine.dispose()


def chain_summary(engine) -> str:  # type: ignore[no-untyped-def]
    """Where minting's time went: how many batches, over how many blocks, how full they were."""
    with engine.connect() as conn:
        n, first, last, gas, widest = conn.execute(
            text(
                "SELECT count(*), min(block_number), max(block_number), sum(gas_used), "
                "max(recipients) FROM mint_batches WHERE block_number IS NOT NULL"
            )
        ).one()
    blocks = int(last) - int(first) + 1 if n else 0
    return (
        f"  minting: {n} batches (up to {widest} recipients) in blocks {first}..{last} "
        f"({blocks} blocks, {int(gas or 0) / max(blocks, 1) / 1e6:.1f} M gas a block)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=1000, help="minter recipients/batch")
    args = parser.parse_args(argv)

    base, _, _ = PG_ADMIN_URL.rpartition("/")
    name = f"bench_import_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{base}/{name}"
    anvil = start_anvil("--block-time", "1", "--slots-in-an-epoch", "1", "--gas-limit", "60000000")
    try:
        upgrade(url)
        env = make_env(anvil, url, minter_batch_size=args.batch_size)
        env.settings = env.settings.with_(
            minter_batch_age=Decimal(2), minter_poll_interval=Decimal("0.2")
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "members.csv"
            write_file(path, args.rows)
            size = path.stat().st_size
            floor = copy_floor(url.replace("postgresql+psycopg", "postgresql"), path)
            stop = threading.Event()
            thread = start_thread(env.minter(), stop)
            try:
                start = time.monotonic()
                staging, applying, rows = asyncio.run(import_file(url, path))
                final = Progress("final on chain", rows)
                while left := unsettled(env.engine):
                    final.update(rows - left)
                    if time.monotonic() - start > 3600:
                        raise SystemExit("mints not final after an hour")
                    time.sleep(0.5)
                final.close()
                total = time.monotonic() - start
            finally:
                stop.set()
                thread.join(30)
        supply = env.token.functions.totalSupply().call()
        minting = chain_summary(env.engine)
        env.close()
    finally:
        anvil.stop()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    expected = sum(i % 500 + 1 for i in range(1, args.rows + 1))
    assert supply == expected, (supply, expected)
    load = os.getloadavg()[0]
    print(
        f"import of {rows:,} rows ({size / 1e6:.1f} MB CSV), PostgreSQL + anvil (1 s blocks, "
        f"{args.batch_size} recipients/batch), load average {load:.1f} on {os.cpu_count()} cores"
    )
    print(f"  validate + stage   {staging:7.1f} s  {rows / staging:8,.0f} rows/s")
    print(f"  apply              {applying:7.1f} s  {rows / applying:8,.0f} rows/s")
    print(
        f"  to final on chain  {total:7.1f} s  {rows / total:8,.0f} rows/s  "
        f"(totalSupply {supply:,} = the file's balances)"
    )
    print(minting)
    print(f"  baseline: plain COPY of the file {floor:.2f} s = {rows / floor:,.0f} rows/s")
    minutes = 1_000_000 / (rows / total) / 60
    print(f"  1,000,000 rows at this rate: {minutes:.1f} min (target <= 10 min)")
    record(Figure("import_members", "validate + stage", rows / staging, "rows/s"))
    record(
        Figure(
            "import_members", "apply", rows / applying, "rows/s", None, "plain COPY", rows / floor
        )
    )
    record(
        Figure(
            "import_members",
            f"{rows:,} rows to final on chain",
            rows / total,
            "rows/s",
            f">= {TARGET_ROWS_PER_S:.0f}",
        )
    )
    record(Figure("import_members", "1,000,000 rows, extrapolated", minutes, "min", "<= 10"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

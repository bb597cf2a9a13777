"""The real `loyalty import` and `loyalty bulk-adjust` processes, SIGKILLed mid-run and started
again, on SQLite and PostgreSQL against anvil: every row imported and every member adjusted
exactly once; after the minter has sent the batch mints to final, totalSupply equals the sum
of the ledger and balanceOf equals the ledger for a sample of members."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from web3 import Web3

from loyalty.db.jobs import jobs
from loyalty.db.ledger import ledger_entries, members
from loyalty.db.outbox import chain_requests
from tests.support.anvil import AnvilNode
from tests.support.minter import ROOT, MinterEnv, make_env, step_until_final

pytestmark = pytest.mark.anvil

MNEMONIC = "test test test test test test test test test test test junk"
ROWS = 2_000


@pytest.fixture
def env(anvil: AnvilNode, database_url: str) -> Iterator[MinterEnv]:
    e = make_env(anvil, database_url, minter_batch_size=500)
    yield e
    e.close()


def spawn(env: MinterEnv, log: Path, *args: str) -> subprocess.Popen[bytes]:
    variables = {
        **env.env(),
        "LOYALTY_CUSTODY_MNEMONIC": MNEMONIC,
        "PYTHONPATH": str(ROOT),
    }
    with open(log, "ab") as out:
        return subprocess.Popen(
            [str(Path(sys.executable).with_name("loyalty")), *args],
            cwd=ROOT,
            env=variables,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def job_row(env: MinterEnv, kind: str) -> Any:
    with env.engine.connect() as conn:
        return conn.execute(select(jobs).where(jobs.c.kind == kind)).first()


def kill_mid_run(env: MinterEnv, process: subprocess.Popen[bytes], kind: str, log: Path) -> Any:
    """SIGKILLs the process once its job has committed some batches, never all."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        row = job_row(env, kind)
        if row is not None and row.processed >= 100:
            break
        assert process.poll() is None, log.read_text()
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    assert process.wait(30) == -signal.SIGKILL
    row = job_row(env, kind)
    assert row.state == "RUNNING" and 0 < row.processed < row.total, (row, log.read_text())
    return row


def write_file(path: Path) -> None:
    lines = ["external_id,email,wallet_address,balance,earned"]
    for i in range(1, ROWS + 1):
        wallet = f"0x{0xC0FFEE0000 + i:040x}" if i % 10 == 0 else ""
        lines.append(f"k{i:05d},k{i}@shop.example,{wallet},{i % 97 + 1},{i % 97 + 50}")
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.timeout(900)  # the minter sends 4,000 mints to final; slow on a loaded machine
def test_killed_import_and_bulk_adjust_resume_exactly_once(env: MinterEnv, tmp_path: Path) -> None:
    data = tmp_path / "members.csv"
    write_file(data)
    log = tmp_path / "cli.log"
    first = spawn(env, log, "import", str(data), "--batch", "40")
    killed = kill_mid_run(env, first, "IMPORT", log)
    with env.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(members)) == killed.processed
    again = spawn(env, log, "import", str(data), "--batch", "40")
    assert again.wait(300) == 0, log.read_text()
    row = job_row(env, "IMPORT")
    assert (row.state, row.processed, row.total, row.errors) == ("DONE", ROWS, ROWS, 0)

    adjust = [
        "bulk-adjust",
        "--all",
        "--amount",
        "3",
        "--reason",
        "Welcome",
        "--key",
        "w1",
        "--batch",
        "20",
    ]
    first = spawn(env, log, *adjust)
    kill_mid_run(env, first, "BULK_ADJUST", log)
    again = spawn(env, log, *adjust)
    assert again.wait(300) == 0, log.read_text()
    assert job_row(env, "BULK_ADJUST").processed == ROWS

    with env.engine.connect() as conn:
        le, m = ledger_entries.c, members.c
        per_member = dict(
            conn.execute(
                select(m.member_id, func.count(le.id))
                .join(ledger_entries, le.member_pk == m.id)
                .group_by(m.member_id)
            ).all()
        )
        assert len(per_member) == ROWS and set(per_member.values()) == {2}  # IMPORT + ADJUST
        types = dict(conn.execute(select(le.type, func.count()).group_by(le.type)).all())
        assert types == {"IMPORT": ROWS, "ADJUST": ROWS}
        balances = dict(
            conn.execute(
                select(m.member_id, m.earned + m.adjusted - m.redeemed - m.expired - m.reversed)
            ).all()
        )
        assert all(balances[f"k{i:05d}"] == i % 97 + 1 + 3 for i in range(1, ROWS + 1))
        requests = conn.scalar(select(func.count()).select_from(chain_requests))
        assert requests == 2 * ROWS
    # The minter sends it all in batches of 500 recipients to final.
    minter = env.minter()
    step_until_final(env, minter, max_steps=200)
    token = env.token
    ledger_sum = sum(balances.values())
    assert token.functions.totalSupply().call() == ledger_sum
    with env.engine.connect() as conn:
        sample = conn.execute(
            select(m.member_id, m.wallet_address, m.custodial_address).where(m.id % 37 == 0)
        ).all()
    assert len(sample) >= 40
    for member_id, wallet, custodial in sample:
        address = Web3.to_checksum_address(wallet or custodial)
        assert token.functions.balanceOf(address).call() == balances[member_id], member_id
    with env.engine.connect() as conn:
        batches = conn.execute(
            select(func.count(func.distinct(chain_requests.c.batch_id)))
        ).scalar()
    assert batches <= 2 * ROWS // 500 + 4  # as few batches as the batch size allows

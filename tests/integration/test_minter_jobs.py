"""The program's periodic jobs run in the `loyalty minter` process, beside the minter loop: points
due to expire expire there (an EXPIRE entry and its burn request), and SIGTERM
stops both threads cleanly."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from loyalty.db.engine import make_async_engine
from loyalty.db.ledger import ledger_entries
from loyalty.db.outbox import BURN, chain_requests
from loyalty.domain.expiry import ExpirationPolicy, ExpirationStatus
from loyalty.domain.ledger import EntryType
from loyalty.services.ledger import post_entry
from loyalty.services.members import ensure_member
from loyalty.services.program import ProgramChanges, get_program, update_program
from tests.support.anvil import AnvilNode
from tests.support.ledger import CUSTODY
from tests.support.minter import MinterEnv, make_env
from tests.support.uow import uow_for


@pytest.fixture
def env(anvil: AnvilNode, database_url: str) -> Iterator[MinterEnv]:
    e = make_env(anvil, database_url)
    yield e
    e.close()


async def _inactive_member_with_points(url: str) -> None:
    """ann earned 80 points two years ago; the program expires half after 12 idle months."""
    engine = make_async_engine(url)
    try:
        async with uow_for(engine) as uow:
            long_ago = datetime.now(UTC) - timedelta(days=730)
            member, _ = await ensure_member(uow.conn, "ann", CUSTODY, now=long_ago)
            await post_entry(uow, member, EntryType.EARN, 80, now=long_ago)
            program = await get_program(uow.conn)
            policy = ExpirationPolicy(ExpirationStatus.ENABLED, 12, 50)
            await update_program(
                uow, ProgramChanges(points_expiration=policy), revision=program.revision
            )
    finally:
        await engine.dispose()


def test_the_minter_process_expires_due_points_and_stops_cleanly(
    env: MinterEnv, tmp_path: Path
) -> None:
    asyncio.run(_inactive_member_with_points(env.settings.database_url))
    log = tmp_path / "minter.log"
    process = env.spawn(log)
    try:
        # A ceiling for a stuck process, not a speed assertion.
        deadline = time.monotonic() + 90
        burn = None
        while time.monotonic() < deadline and process.poll() is None:
            with env.engine.connect() as conn:
                expired = conn.execute(
                    select(ledger_entries.c.id, ledger_entries.c.delta).where(
                        ledger_entries.c.type == EntryType.EXPIRE.value
                    )
                ).all()
                if expired:
                    burn = conn.execute(
                        select(chain_requests.c.kind, chain_requests.c.amount).where(
                            chain_requests.c.ledger_entry_id == expired[0].id
                        )
                    ).first()
            if burn is not None:
                break
            time.sleep(0.3)
        assert burn is not None, log.read_text()
        assert [tuple(r) for r in expired] == [(expired[0].id, -40)]
        assert tuple(burn) == (BURN, 40)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    assert process.returncode == 0, log.read_text()
    assert "Traceback" not in log.read_text()

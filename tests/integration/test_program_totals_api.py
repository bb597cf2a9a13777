"""`programTotals` over HTTP on SQLite and PostgreSQL: every figure equals the same sum
recomputed from the ledger entries (and the chain requests for `pending`), exactly, for a
program made through the real mutations; an empty program is all zeros; who may read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from loyalty.db.holds import H_ACTIVE, H_HELD, held_points
from loyalty.db.ledger import ledger_entries
from loyalty.db.outbox import FINAL, chain_requests
from loyalty.services.api_keys import create_key
from tests.integration._member_data import OTHER, SUBJECT, ledger_sums, seed
from tests.integration._rules_client import Api, member_jwt, running_api

TOTALS = """{ programTotals { members balance earned adjusted redeemed expired reversed debt
  held pending } }"""


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(database_url, tmp_path) as running:
        yield running


async def test_empty_program_is_all_zeros(api: Api) -> None:
    totals = (await api.ok(TOTALS))["programTotals"]
    assert set(totals.values()) == {0}


async def test_totals_equal_the_ledger(api: Api) -> None:
    await seed(api, webhook_url=None)
    totals = (await api.ok(TOTALS))["programTotals"]
    async with api.runtime.async_engine.connect() as conn:
        expected = await ledger_sums(conn)
    assert {k: totals[k] for k in expected} == expected
    # and the figures themselves, worked by hand (see _member_data.seed)
    assert totals == {
        "members": 2,
        "balance": 20 - 20 + 55,  # SUBJECT: 0 (the 20 settled debt); OTHER: 55
        "earned": 200 + 20 + 60,
        "adjusted": -5,
        "redeemed": 50,
        "expired": 0,
        "reversed": 150 + 20,
        "debt": 30,
        "held": 0,
        "pending": 200 - 50 - 150 + 60 - 10 + 5,  # nothing minted yet: every request pending
    }
    # a final mint is no longer pending; the other figures do not move
    async with api.runtime.async_engine.begin() as conn:
        await conn.execute(
            update(chain_requests)
            .where(chain_requests.c.member_id == OTHER, chain_requests.c.kind == "MINT")
            .values(status=FINAL)
        )
    after = (await api.ok(TOTALS))["programTotals"]
    assert after == {**totals, "pending": totals["pending"] - 60 - 5}


async def test_held_is_what_remains_of_the_holds_still_held(api: Api) -> None:
    await seed(api, webhook_url=None)
    now = datetime.now(UTC)
    async with api.runtime.async_engine.begin() as conn:
        entries = (
            await conn.execute(
                select(ledger_entries.c.id, ledger_entries.c.member_pk).where(
                    ledger_entries.c.type == "EARN"
                )
            )
        ).all()
        for (entry, member), (status, points, remaining) in zip(
            entries, [(H_HELD, 40, 30), (H_HELD, 9, 9), (H_ACTIVE, 20, 0)], strict=False
        ):
            await conn.execute(
                held_points.insert().values(
                    entry_id=entry,
                    member_pk=member,
                    points=points,
                    remaining=remaining,
                    hold_days=7,
                    available_at=now,
                    status=status,
                    created_at=now,
                    updated_at=now,
                )
            )
    totals = (await api.ok(TOTALS))["programTotals"]
    assert totals["held"] == 30 + 9


async def test_who_may_read(api: Api) -> None:
    with api.runtime.engine.begin() as conn:
        auditor, _ = create_key(conn, role="auditor", name="books")
    assert (await api.ok(TOTALS, token=auditor))["programTotals"]["members"] == 0
    error = await api.error(TOTALS, token=member_jwt(SUBJECT))
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = await api.error(TOTALS, token=None)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"

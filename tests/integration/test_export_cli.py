"""`loyalty export members|transactions` on SQLite and PostgreSQL: every row once, in CSV and
NDJSON, values as stored (contacts, tiers, orders), --from/--to, and reading in keyset batches
(each statement bounded by LIMIT, so memory does not grow with the table)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from loyalty.db.engine import make_engine
from loyalty.db.ledger import ledger_entries, members, orders
from loyalty.db.program import member_contacts
from loyalty.services import export
from tests.support.cli import run_cli

T0 = datetime(2026, 3, 1, tzinfo=UTC)
N = 2500


@pytest.fixture
def seeded(database_url: str) -> str:
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            members.insert(),
            [
                {
                    "id": i,
                    "member_id": f"m-{i:05d}",
                    "custodial_address": f"0x{i:040x}",
                    "earned": i,
                    "redeemed": i // 2,
                    "created_at": T0,
                    "updated_at": T0,
                }
                for i in range(1, N + 1)
            ],
        )
        conn.execute(
            member_contacts.insert().values(
                member_id="m-00007", email='a,"b"@example.com', updated_at=T0
            )
        )
        conn.execute(
            orders.insert().values(
                id=1,
                order_key="o-1",
                member_pk=1,
                amount=Decimal("1"),
                currency="USD",
                refunded=Decimal("0"),
                created_at=T0,
                updated_at=T0,
            )
        )
        conn.execute(
            ledger_entries.insert(),
            [
                {
                    "id": i,
                    "member_pk": i,
                    "type": "EARN",
                    "points": i,
                    "delta": i,
                    "balance_after": i,
                    "order_pk": 1 if i == 1 else None,
                    "description": "line\nbreak" if i == 2 else "",
                    "created_at": T0 + timedelta(minutes=i),
                }
                for i in range(1, N + 1)
            ],
        )
    engine.dispose()
    return database_url


def cli(tmp_path: Path, url: str, *args: str) -> str:
    result = run_cli(tmp_path, {"LOYALTY_DATABASE_URL": url}, "export", *args)
    assert result.returncode == 0, result
    return result.stdout


def test_members_as_csv_and_ndjson(seeded: str, tmp_path: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(cli(tmp_path, seeded, "members"))))
    assert len(rows) == N and [r["memberId"] for r in rows] == sorted(r["memberId"] for r in rows)
    seven = rows[6]
    assert seven["email"] == 'a,"b"@example.com'
    assert (seven["balance"], seven["earned"], seven["redeemed"]) == ("4", "7", "3")
    assert seven["createdDate"] == T0.isoformat()
    lines = cli(tmp_path, seeded, "members", "--format", "ndjson").splitlines()
    assert len(lines) == N
    first = json.loads(lines[0])
    assert first["memberId"] == "m-00001" and first["balance"] == 1 and first["email"] is None


def test_transactions_with_a_window(seeded: str, tmp_path: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(cli(tmp_path, seeded, "transactions"))))
    assert [int(r["id"]) for r in rows] == list(range(1, N + 1))
    assert rows[0]["orderId"] == "o-1" and rows[1]["description"] == "line\nbreak"
    start, end = (T0 + timedelta(minutes=10)).isoformat(), (T0 + timedelta(minutes=20)).isoformat()
    lines = cli(
        tmp_path, seeded, "transactions", "--format", "ndjson", "--from", start, "--to", end
    ).splitlines()
    assert [json.loads(line)["id"] for line in lines] == list(range(10, 20))
    result = run_cli(
        tmp_path, {"LOYALTY_DATABASE_URL": seeded}, "export", "members", "--from", start
    )
    assert result.returncode != 0 and "transactions only" in result.stderr


def test_reads_in_bounded_batches(seeded: str) -> None:
    engine = make_engine(seeded)
    statements: list[Any] = []
    event.listen(
        engine, "before_cursor_execute", lambda _c, _cur, sql, params, *_: statements.append(sql)
    )
    with engine.connect() as conn:
        assert sum(1 for _ in export.member_rows(conn, batch=1000)) == N
        assert sum(1 for _ in export.transaction_rows(conn, batch=1000)) == N
    engine.dispose()
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 6  # 1000 + 1000 + 500, twice
    # each a seek past the last id with a LIMIT (SQLite's compiler adds `OFFSET 0` to a LIMIT)
    assert all("LIMIT" in s.upper() and ".id > " in s for s in selects), selects

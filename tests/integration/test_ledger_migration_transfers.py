"""Migration ledger_0003 on SQLite and PostgreSQL, on a database holding a member, entries and
a redemption that references one: the type CHECK admits TRANSFER_OUT / TRANSFER_IN (and still
refuses anything else), every row and the foreign keys into ledger_entries survive the table
copy SQLite needs, and the downgrade is refused while a transfer entry exists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, delete, insert, select, text
from sqlalchemy.exc import DataError, IntegrityError

from cli.migrate import version_locations
from loyalty.db import migrate
from loyalty.db.engine import make_engine
from loyalty.db.ledger import ledger_entries, members
from loyalty.db.program import redemptions, rewards

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    kind = {"sqlite": "sqlite", "postgresql": "postgres"}[request.param]
    databases = request.getfixturevalue(f"{kind}_databases")
    e = make_engine(databases.empty())
    yield e
    e.dispose()


def _alembic(engine: Engine, target: str, *, down: bool = False) -> None:
    cfg = migrate.alembic_config(engine, version_locations())
    (command.downgrade if down else command.upgrade)(cfg, target)


def _entry(pk: int, type_: str, points: int, balance_after: int) -> dict[str, object]:
    return {
        "id": pk,
        "member_pk": 1,
        "type": type_,
        "points": points,
        "delta": points,
        "balance_after": balance_after,
        "created_at": NOW,
    }


def test_transfer_entries_are_admitted_and_every_row_survives(engine: Engine) -> None:
    _alembic(engine, "heads")
    _alembic(engine, "ledger_0002", down=True)
    with engine.begin() as conn:
        conn.execute(
            insert(members).values(
                id=1, member_id="ann", earned=100, redeemed=30, created_at=NOW, updated_at=NOW
            )
        )
        conn.execute(
            insert(ledger_entries), [_entry(1, "EARN", 100, 100), _entry(2, "REDEEM", -30, 70)]
        )
        conn.execute(
            insert(rewards).values(
                id="r1",
                name="5 off",
                type="DISCOUNT_AMOUNT",
                active=True,
                revision=1,
                created_date=NOW,
                updated_date=NOW,
            )
        )
        conn.execute(
            insert(redemptions).values(
                member_pk=1,
                reward_id="r1",
                reward_revision=1,
                reward_type="DISCOUNT_AMOUNT",
                amount=5,
                cost_in_points=30,
                coupon_code="ABC",
                idempotency_key="k",
                status="REDEEMED",
                redeem_entry_id=2,
                created_at=NOW,
            )
        )
    with pytest.raises((IntegrityError, DataError)), engine.begin() as conn:  # CHECK, VARCHAR(8)
        conn.execute(insert(ledger_entries).values(**_entry(3, "TRANSFER_OUT", -10, 60)))
    _alembic(engine, "heads")
    with engine.begin() as conn:
        conn.execute(insert(ledger_entries).values(**_entry(3, "TRANSFER_OUT", -10, 60)))
        conn.execute(insert(ledger_entries).values(**_entry(4, "TRANSFER_IN", 5, 65)))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(ledger_entries).values(**_entry(5, "GIFT", 5, 70)))
    with pytest.raises(IntegrityError), engine.begin() as conn:  # the other CHECK survived
        conn.execute(insert(ledger_entries).values(**_entry(5, "TRANSFER_OUT", -99, -34)))
    with engine.connect() as conn:
        types = conn.execute(select(ledger_entries.c.type).order_by(ledger_entries.c.id)).scalars()
        assert list(types) == ["EARN", "REDEEM", "TRANSFER_OUT", "TRANSFER_IN"]
        assert conn.execute(select(redemptions.c.redeem_entry_id)).scalar_one() == 2
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
            indexes = conn.execute(text("PRAGMA index_list('ledger_entries')")).all()
            assert {"ix_ledger_entries_member", "ix_ledger_entries_order"} <= {
                i[1] for i in indexes
            }
    with pytest.raises(RuntimeError, match="TRANSFER_OUT / TRANSFER_IN entries exist"):
        _alembic(engine, "ledger_0002", down=True)
    with engine.begin() as conn:
        conn.execute(delete(ledger_entries).where(ledger_entries.c.id > 2))
    _alembic(engine, "ledger_0002", down=True)
    with engine.connect() as conn:
        assert conn.execute(select(redemptions.c.redeem_entry_id)).scalar_one() == 2

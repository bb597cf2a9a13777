"""Migration held_0001 on SQLite and PostgreSQL, on a database holding a member, an entry, a
redemption that references it and a rule with its config: ACTIVATE is admitted (anything else
still refused), the rule and program get holdDays (NULL and 0: nothing changes), every row
survives SQLite's table copy, the rule's config_version trigger still fires, and the downgrade
is refused while held points exist, then goes down cleanly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, delete, insert, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from cli.migrate import version_locations
from loyalty.db import migrate
from loyalty.db.engine import make_engine
from loyalty.db.holds import held_points
from loyalty.db.ledger import ledger_entries, members
from loyalty.db.program import program_settings, redemptions, rewards
from loyalty.db.rules import earning_rule_configs, earning_rules
from loyalty.services.earning_config import config_version

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
RULE = earning_rules.c.id == "rule-1"
CONFIG = earning_rule_configs.c.rule_id == "rule-1"


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


def _entry(pk: int, type_: str, points: int, delta: int, balance_after: int) -> dict[str, object]:
    return {
        "id": pk,
        "member_pk": 1,
        "type": type_,
        "points": points,
        "delta": delta,
        "balance_after": balance_after,
        "created_at": NOW,
    }


def _seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(members).values(
                id=1, member_id="ann", earned=100, redeemed=30, created_at=NOW, updated_at=NOW
            )
        )
        conn.execute(
            insert(ledger_entries),
            [_entry(1, "EARN", 100, 100, 100), _entry(2, "REDEEM", -30, -30, 70)],
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
        conn.execute(
            text(
                "INSERT INTO earning_rules (id, revision, title, title_key, source_app_id, "
                "trigger_app_id, trigger_activity_type, status, method, pre_installed, deleted, "
                "created_date, updated_date) VALUES ('rule-1', 1, 'Buy', 'buy', 'loyalty', "
                "'stores', 'stores/OrderPaid', 'ACTIVE', 'FIXED_AMOUNT', false, false, :t, :t)"
            ),
            {"t": NOW},
        )
        conn.execute(
            text("INSERT INTO earning_rule_configs (rule_id, points) VALUES ('rule-1', 5)")
        )


def _columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_held_0001_up_and_down_keeps_every_row(engine: Engine) -> None:
    _alembic(engine, "heads")
    _alembic(engine, "held@-1", down=True)
    _seed(engine)
    assert "hold_days" not in _columns(engine, "earning_rules")
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(ledger_entries).values(**_entry(3, "ACTIVATE", 5, 5, 75)))
    _alembic(engine, "heads")
    with engine.begin() as conn:
        assert conn.execute(select(earning_rules.c.hold_days).where(RULE)).scalar_one() is None
        assert conn.execute(select(program_settings.c.hold_days)).scalar_one() == 0
        assert conn.execute(select(redemptions.c.redeem_entry_id)).scalar_one() == 2
        assert conn.execute(select(earning_rule_configs.c.points).where(CONFIG)).scalar_one() == 5
        conn.execute(insert(ledger_entries).values(**_entry(3, "EARN", 5, 0, 70)))
        conn.execute(
            insert(held_points).values(
                entry_id=3,
                member_pk=1,
                points=5,
                remaining=5,
                hold_days=14,
                available_at=NOW + dt.timedelta(days=14),
                status="HELD",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        conn.execute(insert(ledger_entries).values(**_entry(4, "ACTIVATE", 5, 5, 75)))
        version = conn.execute(select(config_version.c.version)).scalar_one()
        conn.execute(
            update(earning_rules).where(RULE).values(hold_days=7)
        )  # the trigger still fires
        assert conn.execute(select(config_version.c.version)).scalar_one() != version
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(ledger_entries).values(**_entry(5, "GIFT", 5, 5, 80)))
    with pytest.raises(IntegrityError), engine.begin() as conn:  # remaining within 0..points
        conn.execute(update(held_points).values(remaining=6))
    with pytest.raises(RuntimeError, match="held awards or ACTIVATE entries exist"):
        _alembic(engine, "held@-1", down=True)
    with engine.begin() as conn:
        conn.execute(delete(held_points))
        conn.execute(delete(ledger_entries).where(ledger_entries.c.id > 2))
    _alembic(engine, "held@-1", down=True)
    assert "held_points" not in inspect(engine).get_table_names()
    assert "hold_days" not in _columns(engine, "earning_rules")
    assert "hold_days" not in _columns(engine, "program_settings")
    with engine.connect() as conn:
        assert conn.execute(select(redemptions.c.redeem_entry_id)).scalar_one() == 2
        assert conn.execute(select(earning_rule_configs.c.points).where(CONFIG)).scalar_one() == 5
        assert conn.execute(
            select(ledger_entries.c.type).order_by(ledger_entries.c.id)
        ).scalars().all() == [
            "EARN",
            "REDEEM",
        ]
    _alembic(engine, "heads")  # and up again
    assert "held_points" in inspect(engine).get_table_names()

"""Migration referrals_0001 on SQLite and PostgreSQL: members who existed before it get a
referral code each (distinct, active), the program starts as a DRAFT, a change of its settings
moves config_version (the earning path's cache), and the branch goes down and up again."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import Engine, inspect, select, text

from cli.migrate import version_locations
from loyalty.db import migrate
from loyalty.db.engine import make_async_engine, make_engine
from loyalty.db.referrals import add_codes, referral_codes, referral_program
from loyalty.domain.referrals import normalise_code


def _alembic(engine: Engine, target: str, *, down: bool = False) -> None:
    cfg = migrate.alembic_config(engine, version_locations())
    (command.downgrade if down else command.upgrade)(cfg, target)


def test_existing_members_get_codes_and_the_branch_goes_down_and_up(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        _alembic(engine, "referrals@-1", down=True)
        assert "referral_codes" not in inspect(engine).get_table_names()
        now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
        with engine.begin() as conn:
            for member_id in ("m-1", "m-2", "m-3"):
                conn.execute(
                    text(
                        "INSERT INTO members (member_id, earned, adjusted, redeemed, expired, "
                        "reversed, debt, revision, created_at, updated_at) "
                        "VALUES (:m, 0, 0, 0, 0, 0, 0, 1, :now, :now)"
                    ),
                    {"m": member_id, "now": now},
                )
        _alembic(engine, "heads")
        with engine.connect() as conn:
            codes = conn.execute(select(referral_codes.c.code, referral_codes.c.active)).all()
            status = conn.scalar(select(referral_program.c.status))
            before = conn.scalar(text("SELECT version FROM config_version"))
        assert len({c for c, _ in codes}) == 3 and all(active for _, active in codes)
        assert all(normalise_code(c) == c for c, _ in codes)
        assert status == "DRAFT"
        with engine.begin() as conn:
            conn.execute(referral_program.update().values(hold_days=3))
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT version FROM config_version")) != before
        _alembic(engine, "referrals@-1", down=True)
        assert "referrals" not in inspect(engine).get_table_names()
        _alembic(engine, "heads")
        assert {"referrals", "referral_codes", "referral_program"} <= set(
            inspect(engine).get_table_names()
        )
    finally:
        engine.dispose()


async def test_members_created_in_bulk_get_a_code_each(database_url: str) -> None:
    """The import creates members without ensure_member: add_codes gives each one code."""
    engine = make_async_engine(database_url)
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    try:
        async with engine.begin() as conn:
            pks = []
            for i in range(50):
                pk = await conn.scalar(
                    text(
                        "INSERT INTO members (member_id, earned, adjusted, redeemed, expired, "
                        "reversed, debt, revision, created_at, updated_at) "
                        "VALUES (:m, 0, 0, 0, 0, 0, 0, 1, :now, :now) RETURNING id"
                    ),
                    {"m": f"bulk-{i}", "now": now},
                )
                pks.append(int(pk))
            await add_codes(conn, pks, now=now)
            rows = (
                await conn.execute(select(referral_codes.c.member_pk, referral_codes.c.code))
            ).all()
        assert sorted(pk for pk, _ in rows) == sorted(pks)
        assert len({code for _, code in rows}) == 50
    finally:
        await engine.dispose()

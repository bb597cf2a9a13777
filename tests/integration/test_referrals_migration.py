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
        _alembic(engine, "referrals@ledger_0003", down=True)
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
        _alembic(engine, "referrals@ledger_0003", down=True)
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


def test_coupons_migration_keeps_redemptions_and_refuses_to_drop_a_granted_one(
    database_url: str,
) -> None:
    """refcoupons_0001: a redemption paid with points before it is kept as it was; after it a
    redemption may be granted (no REDEEM entry, a referral); downgrading with one is refused,
    and without one goes down and up again."""
    engine = make_engine(database_url)
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    member = (
        "INSERT INTO members (member_id, earned, adjusted, redeemed, expired, reversed, debt, "
        "revision, created_at, updated_at) VALUES (:m, 0, 0, 0, 0, 0, 0, 1, :now, :now)"
    )
    redemption = (
        "INSERT INTO redemptions (member_pk, reward_id, reward_revision, reward_type, amount, "
        "cost_in_points, coupon_code, idempotency_key, status, redeem_entry_id, created_at{ref}) "
        "VALUES (:pk, 'r1', 1, 'COUPON_REWARD', '5', :cost, :code, :key, 'REDEEMED', :entry, "
        ":now{refv})"
    )
    try:
        _alembic(engine, "referral_coupons@-1", down=True)
        with engine.begin() as conn:
            conn.execute(text(member), {"m": "ann", "now": now})
            conn.execute(text(member), {"m": "bob", "now": now})
            conn.execute(
                text(
                    "INSERT INTO rewards (id, seq, name, type, active, deleted, revision, "
                    "created_date, updated_date) VALUES ('r1', 1, 'Five off', 'COUPON_REWARD', "
                    "true, false, 1, :now, :now)"
                ),
                {"now": now},
            )
            entry = conn.scalar(
                text(
                    "INSERT INTO ledger_entries (member_pk, type, points, delta, balance_after, "
                    "business_key, created_at) VALUES (1, 'ADJUST', 10, 10, 10, 'k', :now) "
                    "RETURNING id"
                ),
                {"now": now},
            )
            values = {"pk": 1, "cost": 10, "code": "AAAA-BBBB-CCCC", "key": "paid", "now": now}
            conn.execute(text(redemption.format(ref="", refv="")), {**values, "entry": entry})
        _alembic(engine, "heads")
        with engine.begin() as conn:
            kept = conn.execute(text("SELECT cost_in_points, redeem_entry_id FROM redemptions"))
            assert [tuple(r) for r in kept] == [(10, entry)]
            referral = conn.scalar(
                text(
                    "INSERT INTO referrals (referrer_pk, friend_pk, code, status, created_at, "
                    "updated_at) VALUES (1, 2, 'X', 'REWARDED', :now, :now) RETURNING id"
                ),
                {"now": now},
            )
            granted = {"pk": 2, "cost": 0, "code": "DDDD-EEEE-FFFF", "key": "referral:1:friend"}
            conn.execute(
                text(redemption.format(ref=", referral_id", refv=", :ref")),
                {**granted, "entry": None, "ref": referral, "now": now},
            )
        try:
            _alembic(engine, "referral_coupons@-1", down=True)
        except RuntimeError as exc:
            assert "granted by referrals" in str(exc)
        else:
            raise AssertionError("downgraded with a granted redemption")
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM redemptions WHERE redeem_entry_id IS NULL"))
        _alembic(engine, "referral_coupons@-1", down=True)
        columns = {c["name"] for c in inspect(engine).get_columns("redemptions")}
        assert "referral_id" not in columns
        _alembic(engine, "heads")
        assert "referrer_reward_id" in {
            c["name"] for c in inspect(engine).get_columns("referral_program")
        }
    finally:
        engine.dispose()

"""Birthdays on SQLite and PostgreSQL (issue 15, item 5): a member sets their birthday; the
daily job (run_program_jobs, as the minter's process runs it) awards the members/Birthday rule
on the day in the program's time zone, once: twice the same day and again after a restart (a
new engine and runtime on the same database) still make one award; the next year awards
again; 29 February is celebrated on the 28th in other years; nothing while the program is
paused; bad dates and other members' birthdays are refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import func, inspect, select

from cli.jobs import run_program_jobs
from cli.migrate import version_locations
from loyalty.custody import custody_for
from loyalty.db import migrate
from loyalty.db.engine import make_async_engine, make_engine
from loyalty.db.ledger import inbound_events, ledger_entries
from loyalty.notify.config import NotifyConfig
from loyalty.settings import DEV_CUSTODY_MNEMONIC
from tests.integration._rules_client import member_jwt, running_api
from tests.support.ledger import add_fixed_rule

SET = """mutation($m: String!, $b: Date) { setMemberBirthday(memberId: $m, birthday: $b) {
  memberId birthday } }"""
GET = """query($m: String!) { memberBirthday(memberId: $m) { birthday } }"""
BALANCE = """query($m: String!) { account(memberId: $m) { points { balance } } }"""
PROGRAM = """{ loyaltyProgram { revision } }"""
ZONE = """mutation($rev: Long!) { updateLoyaltyProgram(revision: $rev,
  program: {timeZone: "Pacific/Auckland"}) { revision timeZone } }"""
PAUSE = """mutation($rev: Long!) { pauseLoyaltyProgram(revision: $rev) { revision } }"""
# 20:00 UTC on 14 June is already 08:00 on 15 June in Auckland (UTC+12 in June).
EVENING = datetime(2026, 6, 14, 20, tzinfo=UTC)
NOTIFY = NotifyConfig(webhook_key=None, smtp=None, mail_from="loyalty@example.com")
CUSTODY = custody_for(DEV_CUSTODY_MNEMONIC)


async def jobs(database_url: str, now: datetime, *, engine: Any = None) -> int:
    own = engine is None
    engine = engine or make_async_engine(database_url)  # a fresh process's engine
    try:
        report = await run_program_jobs(engine, NOTIFY, now=now, custody=CUSTODY, currency="USD")
        return report.birthdays
    finally:
        if own:
            await engine.dispose()


async def birthday_entries(engine: Any, member_id: str) -> int:
    async with engine.connect() as conn:
        return int(
            await conn.scalar(
                select(func.count())
                .select_from(ledger_entries)
                .where(ledger_entries.c.business_key.like(f"earn:birthday:{member_id}:%"))
            )
            or 0
        )


async def test_the_daily_job_awards_a_birthday_once_a_year(
    database_url: str, tmp_path: Path
) -> None:
    async with running_api(database_url, tmp_path) as api:
        engine = api.runtime.async_engine
        await add_fixed_rule(engine, "members/Birthday", 100, app="members")
        rev = (await api.ok(PROGRAM))["loyaltyProgram"]["revision"]
        assert (await api.ok(ZONE, {"rev": rev}))["updateLoyaltyProgram"]["timeZone"] == (
            "Pacific/Auckland"
        )
        for member_id, birthday in (
            ("ann", "1990-06-15"),  # today in Auckland
            ("bob", "1990-06-14"),  # today in UTC, not in the program's time zone
            ("leap", "2000-02-29"),
            ("none", None),
        ):
            await api.ok(
                "mutation($m: String!) { createMember(memberId: $m) { memberId } }",
                {"m": member_id},
            )
            reply = await api.ok(SET, {"m": member_id, "b": birthday}, member_jwt(member_id))
            assert reply["setMemberBirthday"] == {"memberId": member_id, "birthday": birthday}
        assert (await api.ok(GET, {"m": "ann"}))["memberBirthday"]["birthday"] == "1990-06-15"

        assert await jobs(database_url, EVENING, engine=engine) == 1
        assert await jobs(database_url, EVENING, engine=engine) == 0  # again the same day
        await api.runtime.aclose()
    # A restart: a new runtime, a new engine, nothing in memory carried over.
    async with running_api(database_url, tmp_path) as api:
        assert await jobs(database_url, EVENING) == 0
        assert await jobs(database_url, EVENING.replace(hour=23)) == 0  # later that day
        engine = api.runtime.async_engine
        balance = await api.ok(BALANCE, {"m": "ann"})
        assert balance["account"]["points"]["balance"] == 100
        assert await birthday_entries(engine, "ann") == 1
        assert await birthday_entries(engine, "bob") == 0
        assert await jobs(database_url, EVENING.replace(year=2027)) == 1  # next year: again
        assert await birthday_entries(engine, "ann") == 2
        # 28 February 2027 in Auckland: leap's birthday, in a year without a 29th.
        assert await jobs(database_url, datetime(2027, 2, 28, 1, tzinfo=UTC)) == 1
        assert await jobs(database_url, datetime(2027, 3, 1, 1, tzinfo=UTC)) == 0
        assert await birthday_entries(engine, "leap") == 1
        async with engine.connect() as conn:  # one activity each, however often the job ran
            sent = await conn.scalar(
                select(func.count())
                .select_from(inbound_events)
                .where(inbound_events.c.source == "birthday")
            )
        assert sent == 3
        rev = (await api.ok(PROGRAM))["loyaltyProgram"]["revision"]
        await api.ok(PAUSE, {"rev": rev})
        assert await jobs(database_url, EVENING.replace(year=2028)) == 0  # paused: nothing
        assert await birthday_entries(engine, "ann") == 2


async def test_bad_birthdays_are_refused(database_url: str, tmp_path: Path) -> None:
    async with running_api(database_url, tmp_path) as api:
        await api.ok('mutation { createMember(memberId: "ann") { memberId } }')
        for bad in ("2999-01-01", "1899-12-31"):
            error = await api.error(SET, {"m": "ann", "b": bad})
            assert (error["extensions"]["code"], error["extensions"]["field"]) == (
                "VALIDATION",
                "birthday",
            )
        unknown = await api.error(SET, {"m": "ghost", "b": "1990-01-01"})
        assert unknown["extensions"]["code"] == "NOT_FOUND"
        other = await api.error(SET, {"m": "ann", "b": "1990-01-01"}, member_jwt("bob"))
        assert other["extensions"]["code"] == "FORBIDDEN"
        assert (await api.ok(GET, {"m": "ann"}))["memberBirthday"]["birthday"] is None
        await api.ok(SET, {"m": "ann", "b": "1990-01-01"})
        assert (await api.ok(SET, {"m": "ann", "b": None}))["setMemberBirthday"]["birthday"] is None


def test_the_birthdays_branch_goes_down_and_up(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        cfg = migrate.alembic_config(engine, version_locations())
        command.downgrade(cfg, "birthdays@-1")
        assert "birthday" not in {c["name"] for c in inspect(engine).get_columns("member_contacts")}
        command.upgrade(cfg, "heads")
        assert "birthday" in {c["name"] for c in inspect(engine).get_columns("member_contacts")}
    finally:
        engine.dispose()

"""Birthdays (issue 15, item 5): a member's birthday on their contact, and the daily job that
sends each member whose birthday it is, in the program's time zone, the `members/Birthday`
activity through the ordinary activity path (rules, tiers, campaigns, limits, the ledger and
its mint). Once per member and year: the activity's idempotency key and business key are
`birthday:<member>:<year>` (loyalty.domain.birthdays), so running the job twice the same day,
from two processes, or after a restart, awards once. Nothing is sent while the program is not
ACTIVE (like every activity then); a day the job did not run at all is not caught up.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, exists, extract, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.custody import AddressBook
from loyalty.db.ledger import dialect_insert, inbound_events, members
from loyalty.db.program import member_contacts
from loyalty.domain.birthdays import (
    BIRTHDAY,
    MEMBERS_APP_ID,
    award_key,
    birthdays_on,
    check_birthday,
)
from loyalty.domain.campaigns import time_zone
from loyalty.domain.lifecycle import ProgramStatus
from loyalty.services.activities import record_activity
from loyalty.services.activity_model import ActivityInput
from loyalty.services.members import check_member_id, get_member
from loyalty.services.program import get_program
from loyalty.services.rules import matching_rules
from loyalty.services.uow import AbstractUnitOfWork

BATCH = 1000  # members read per query: a day's birthdays of a large program come in pages
SOURCE = "birthday"  # of the inbound events the job records


async def set_birthday(
    uow: AbstractUnitOfWork, member_id: str, birthday: date | None, *, now: datetime | None = None
) -> date | None:
    """Sets (or, with None, clears) the member's birthday; their e-mail and name stay. The
    member must exist (NOT_FOUND)."""
    member_id = check_member_id(member_id)
    async with uow:
        now = now or uow.clock.now()
        if birthday is not None:
            check_birthday(birthday, today=await _today(uow.conn, now))
        await get_member(uow.conn, member_id)
        statement = dialect_insert(uow.conn.dialect.name, member_contacts).values(
            member_id=member_id, birthday=birthday, updated_at=now
        )
        await uow.conn.execute(
            statement.on_conflict_do_update(
                index_elements=["member_id"], set_={"birthday": birthday, "updated_at": now}
            )
        )
        return birthday


async def get_birthday(conn: AsyncConnection, member_id: str) -> date | None:
    found = await conn.scalar(
        select(member_contacts.c.birthday).where(member_contacts.c.member_id == member_id)
    )
    return found if isinstance(found, date) else None


async def _today(conn: AsyncConnection, now: datetime) -> date:
    program = await get_program(conn)
    return now.astimezone(time_zone(program.time_zone or "UTC")).date()


async def award_birthdays(
    uow: AbstractUnitOfWork, *, custody: AddressBook, currency: str, now: datetime | None = None
) -> int:
    """Sends today's birthday activities; the number sent for the first time (a member
    already celebrated this year counts nothing). Each member in their own transaction."""
    now = now or uow.clock.now()
    async with uow.read() as conn:
        program = await get_program(conn)
        if program.status is not ProgramStatus.ACTIVE:
            return 0
        today = now.astimezone(time_zone(program.time_zone or "UTC")).date()
    sent, after = 0, ""
    while True:
        async with uow.read() as conn:
            batch = await _celebrating(conn, today, after=after)
        for member_id in batch:
            key = award_key(member_id, today.year)
            outcome = await record_activity(
                uow,
                ActivityInput(
                    idempotency_key=key,
                    member_id=member_id,
                    activity_type=BIRTHDAY,
                    trigger_app_id=MEMBERS_APP_ID,
                    dedupe_ref=key,
                    details={"birthdayYear": today.year},
                ),
                source=SOURCE,
                custody=custody,
                currency=currency,
                rules=matching_rules,
            )
            sent += 0 if outcome.duplicate else 1
        if len(batch) < BATCH:
            return sent
        after = batch[-1]


async def _celebrating(conn: AsyncConnection, day: date, *, after: str) -> list[str]:
    """Members whose birthday is `day` and who were not sent it yet this year: the job runs
    every minute, and a member already sent is skipped here by the unique index of the
    inbound events (source, key) rather than by a duplicate claim each time."""
    birthday = member_contacts.c.birthday
    matches = [
        and_(extract("month", birthday) == month, extract("day", birthday) == dom)
        for month, dom in birthdays_on(day)
    ]
    sent = exists().where(  # the key of loyalty.domain.birthdays.award_key, built in SQL
        inbound_events.c.source == SOURCE,
        inbound_events.c.event_key
        == literal("birthday:") + member_contacts.c.member_id + literal(f":{day.year}"),
    )
    rows = await conn.execute(
        select(member_contacts.c.member_id)
        .join(members, members.c.member_id == member_contacts.c.member_id)
        .where(
            birthday.is_not(None),
            or_(*matches),
            member_contacts.c.member_id > after,
            ~sent,
        )
        .order_by(member_contacts.c.member_id)
        .limit(BATCH)
    )
    return [str(m) for m in rows.scalars()]

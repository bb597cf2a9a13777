"""The program's periodic jobs, and the `loyalty expire` and `loyalty activate-held` commands.

`run_program_jobs` is what a long-running process (the minter's loop) calls every so often:
held points whose window passed are activated (and so minted), tiers whose rolling window
passed old points are recomputed, due "will downgrade" notices are queued, due points expire,
due expiry reminders are queued, referral rewards whose hold has passed are granted, today's
birthdays are awarded (once per member and year), and queued notifications are delivered.
Each step runs in its own transactions; a failed step is logged and tried at the next call,
and never blocks the others.
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from loyalty.notify.config import NotifyConfig
from loyalty.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from loyalty.custody import AddressBook

log = logging.getLogger("cli.jobs")


@dataclass(frozen=True)
class JobsReport:
    tier_changes: int
    expired_members: int
    expired_points: int
    notifications_delivered: int
    referrals_rewarded: int = 0
    held_activated: int = 0  # holds activated (loyalty.services.holds)
    held_points_activated: int = 0
    downgrade_notices: int = 0
    expiry_reminders: int = 0
    birthdays: int = 0


async def run_program_jobs(
    engine: AsyncEngine,
    notify: NotifyConfig,
    *,
    now: datetime | None = None,
    custody: AddressBook | None = None,
    currency: str | None = None,
) -> JobsReport:
    """`custody` and `currency` (the process's, from its settings) are what the birthday awards
    need; without them that step is skipped."""
    from loyalty.notify.loop import deliver_due, transports_for
    from loyalty.services.birthdays import award_birthdays
    from loyalty.services.bootstrap import unit_of_work_factory
    from loyalty.services.expiry import run_expiry
    from loyalty.services.expiry_reminders import send_expiry_reminders
    from loyalty.services.holds import activate_held
    from loyalty.services.referral_rewards import grant_due
    from loyalty.services.tier_notices import send_downgrade_notices
    from loyalty.services.tiers import roll_tiers

    now = now or datetime.now(UTC)
    new_uow = unit_of_work_factory(engine)
    changes = expired = points = delivered = referred = held = held_points = 0
    notices = reminders = birthdays = 0
    try:  # first: activated points then count for expiry from now on, and get minted
        run_held = await activate_held(new_uow(), now=now)
        held, held_points = len(run_held.activated), run_held.total
    except Exception:
        log.exception("activating held points failed; it is tried again at the next run")
    try:
        changes = len(await roll_tiers(new_uow(), now=now))
    except Exception:
        log.exception("tier roll failed; it is tried again at the next run")
    try:
        notices = await send_downgrade_notices(new_uow(), now=now)
    except Exception:
        log.exception("tier downgrade notices failed; they are tried again at the next run")
    try:
        run = await run_expiry(new_uow(), now=now)
        expired, points = len(run.expirations), run.total
    except Exception:
        log.exception("points expiry failed; it is tried again at the next run")
    try:
        reminders = await send_expiry_reminders(new_uow(), now=now)
    except Exception:
        log.exception("expiry reminders failed; they are tried again at the next run")
    try:
        referred = await grant_due(new_uow(), now=now)
    except Exception:
        log.exception("granting referral rewards failed; it is tried again at the next run")
    if custody is not None and currency is not None:
        try:
            birthdays = await award_birthdays(
                new_uow(), custody=custody, currency=currency, now=now
            )
        except Exception:
            log.exception("birthday awards failed; they are tried again at the next run")
    try:
        delivered = await deliver_due(new_uow(), transports_for(notify), now=now)
    except Exception:
        log.exception("notification delivery failed; it is tried again at the next run")
    return JobsReport(
        changes,
        expired,
        points,
        delivered,
        referred,
        held,
        held_points,
        notices,
        reminders,
        birthdays,
    )


def run_jobs_forever(
    settings: Settings, stop: threading.Event, *, interval_seconds: float = 60.0
) -> None:
    """For a worker thread of the minter process: runs the jobs every interval until `stop`."""
    import asyncio  # here, like every heavy import of this module: `loyalty --help` stays fast

    from loyalty.custody import custody_for
    from loyalty.db.engine import make_async_engine
    from loyalty.errors import ConfigError

    notify = NotifyConfig.from_settings(settings)
    try:
        custody: AddressBook | None = custody_for(settings.custody_mnemonic_or_dev())
    except ConfigError as exc:  # the other jobs need no custody: they still run
        log.warning("birthday awards are off in this process: %s", exc)
        custody = None

    async def loop() -> None:
        engine = make_async_engine(settings.database_url)
        try:
            while not stop.is_set():
                report = await run_program_jobs(
                    engine, notify, custody=custody, currency=settings.currency
                )
                if report != JobsReport(0, 0, 0, 0):
                    log.info("program jobs: %s", report)
                await asyncio.to_thread(stop.wait, interval_seconds)
        finally:
            await engine.dispose()

    asyncio.run(loop())


def _cmd_expire(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from loyalty.db.engine import make_async_engine
    from loyalty.services.bootstrap import unit_of_work_factory
    from loyalty.services.expiry import run_expiry

    async def main() -> Any:
        engine = make_async_engine(settings.database_url)
        try:
            return await run_expiry(unit_of_work_factory(engine)(), dry_run=args.dry_run)
        finally:
            await engine.dispose()

    run = asyncio.run(main())
    rows = [
        {
            "memberId": e.member_id,
            "expirationDate": e.expiration_date.isoformat(),
            "expiringPoints": e.expiring_points,
        }
        for e in run.expirations
    ]
    if args.json:
        print(json.dumps({"dryRun": run.dry_run, "total": run.total, "expirations": rows}))
    else:
        for row in rows:
            print(f"{row['memberId']}\t{row['expiringPoints']}\t{row['expirationDate']}")
        verb = "would expire" if run.dry_run else "expired"
        print(f"{verb} {run.total} points of {len(rows)} members")
    return 0


def _cmd_activate_held(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from loyalty.db.engine import make_async_engine
    from loyalty.services.bootstrap import unit_of_work_factory
    from loyalty.services.holds import activate_held

    async def main() -> Any:
        engine = make_async_engine(settings.database_url)
        try:
            return await activate_held(unit_of_work_factory(engine)(), dry_run=args.dry_run)
        finally:
            await engine.dispose()

    run = asyncio.run(main())
    rows = [
        {
            "entryId": d.entry_id,
            "memberId": d.member_id,
            "points": d.points,
            "availableAt": d.available_at.isoformat(),
        }
        for d in run.activated
    ]
    if args.json:
        print(json.dumps({"dryRun": run.dry_run, "total": run.total, "activations": rows}))
    else:
        for row in rows:
            print(
                f"{row['memberId']}\t{row['points']}\t{row['availableAt']}\tentry {row['entryId']}"
            )
        verb = "would activate" if run.dry_run else "activated"
        print(f"{verb} {run.total} held points of {len(rows)} awards")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "expire", help="expire the points of inactive members (the program's pointsExpiration)"
    )
    p.add_argument("--dry-run", action="store_true", help="list what would expire; change nothing")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=_cmd_expire)
    p = sub.add_parser(
        "activate-held",
        help="activate held points whose window passed (they are then minted); the minter's "
        "process does it every minute",
    )
    p.add_argument("--dry-run", action="store_true", help="list what is due; change nothing")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=_cmd_activate_held)

"""`loyalty audit-log verify`: recomputes the admin audit log's hash chain from its first entry
and says whether it is unbroken; if not, names the first bad entry (exit 1). It prints the head
(last position and hash): an operator who records it elsewhere can later tell a rewritten log
from the one they saw, which no check inside the database can."""

from __future__ import annotations

import argparse
from typing import Any

from loyalty.settings import Settings

EXIT_BROKEN = 1


def _verify(_args: argparse.Namespace, settings: Settings) -> int:
    import asyncio  # here, like every heavy import of this module: `loyalty --help` stays fast

    from loyalty.db.engine import make_async_engine
    from loyalty.services.audit import verify

    async def run() -> Any:
        engine = make_async_engine(settings.database_url)
        try:
            async with engine.connect() as conn:
                return await verify(conn)
        finally:
            await engine.dispose()

    result = asyncio.run(run())
    if result.broken is None:
        print(
            f"audit log verified: {result.entries} entries, chain unbroken; "
            f"head {result.head_seq} {result.head_hash}"
        )
        return 0
    where = f"entry {result.broken.seq}" if result.broken.seq is not None else "the head record"
    print(f"audit log BROKEN at {where}: {result.broken.reason}")
    return EXIT_BROKEN


def register(sub: Any) -> None:
    p = sub.add_parser("audit-log", help="the admin audit log")
    commands = p.add_subparsers(dest="audit_log_command", required=True)
    v = commands.add_parser(
        "verify", help="prove the hash chain unbroken, or name the first bad entry (exit 1)"
    )
    v.set_defaults(handler=_verify)

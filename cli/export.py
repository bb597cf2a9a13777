"""`loyalty export members|transactions [--format csv|ndjson] [--from --to]`: every member or
every ledger entry to stdout, streamed in batches (constant memory at 1,000,000 rows)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from loyalty.errors import LoyaltyError
from loyalty.settings import Settings


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 instant: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a time zone (e.g. Z or +01:00)")
    return value.astimezone(UTC)


def _export(args: argparse.Namespace, settings: Settings) -> int:
    # here, like every heavy import of this module: `loyalty --help` stays fast
    from loyalty.db.engine import make_engine
    from loyalty.services import export

    if args.what == "members" and (args.start or args.end):
        raise LoyaltyError("--from and --to apply to transactions only")
    engine = make_engine(settings.database_url)
    out = sys.stdout
    try:
        with engine.connect() as conn:
            rows: Any
            fields: tuple[str, ...]
            if args.what == "members":
                fields, rows = export.MEMBER_FIELDS, export.member_rows(conn)
            else:
                fields = export.TRANSACTION_FIELDS
                rows = export.transaction_rows(conn, start=args.start, end=args.end)
            encoder = export.Encoder(fields, args.format)
            out.write(encoder.header())
            for row in rows:
                out.write(encoder.rows((row,)))
            out.flush()
    finally:
        engine.dispose()
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "export", help="write every member or ledger entry to stdout (CSV or NDJSON), streamed"
    )
    p.add_argument("what", choices=["members", "transactions"])
    p.add_argument("--format", choices=["csv", "ndjson"], default="csv")
    p.add_argument("--from", dest="start", type=_instant, help="transactions at or after")
    p.add_argument("--to", dest="end", type=_instant, help="transactions before")
    p.set_defaults(handler=_export)

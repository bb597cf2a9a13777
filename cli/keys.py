"""`loyalty keys create|list|revoke`: admin and auditor API keys (a new key is printed once);
`loyalty keys mnemonic`: a fresh custody mnemonic."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from loyalty.settings import Settings

CLI_ACTOR_NAME = "loyalty keys (CLI)"  # the audit log's actor of what `loyalty keys` changes

if TYPE_CHECKING:
    from sqlalchemy import Engine


def _engine(settings: Settings) -> Engine:
    from cli.migrate import upgrade
    from loyalty.db.engine import make_engine

    upgrade(settings.database_url)
    return make_engine(settings.database_url)


def _create(args: argparse.Namespace, settings: Settings) -> int:
    from loyalty.services.api_keys import create_key
    from loyalty.services.audit import Actor, acting_as  # here: `loyalty --help` stays fast

    engine = _engine(settings)
    try:
        with engine.begin() as conn, acting_as(Actor(None, CLI_ACTOR_NAME)):
            key, record = create_key(conn, role=args.role, name=args.name or "")
    finally:
        engine.dispose()
    print(key)
    print(
        f"created {record.role} key {record.id} ({record.name}); it is shown only now: "
        "send it as `Authorization: Bearer <key>`",
        flush=True,
    )
    return 0


def _list(_args: argparse.Namespace, settings: Settings) -> int:
    from loyalty.services.api_keys import list_keys

    engine = _engine(settings)
    try:
        with engine.connect() as conn:
            keys = list_keys(conn)
    finally:
        engine.dispose()
    for k in keys:
        state = "revoked" if k.revoked else "live"
        print(f"{k.id}  {k.role:<7}  {state:<7}  {k.created_date:%Y-%m-%d %H:%M}  {k.name}")
    if not keys:
        print("no API keys (create one with `loyalty keys create`)")
    return 0


def _revoke(args: argparse.Namespace, settings: Settings) -> int:
    from loyalty.services.api_keys import revoke_key
    from loyalty.services.audit import Actor, acting_as  # here: `loyalty --help` stays fast

    engine = _engine(settings)
    try:
        with engine.begin() as conn, acting_as(Actor(None, CLI_ACTOR_NAME)):
            revoke_key(conn, args.id)
    finally:
        engine.dispose()
    print(f"revoked key {args.id} (running servers refuse it within 30 seconds)")
    return 0


def _mnemonic(_args: argparse.Namespace, _settings: Settings) -> int:
    """A fresh 24-word BIP-39 mnemonic for LOYALTY_CUSTODY_MNEMONIC (from the OS's CSPRNG)."""
    from eth_account.hdaccount.mnemonic import Mnemonic
    from eth_account.types import Language

    print(Mnemonic(Language.ENGLISH).generate(num_words=24))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("keys", help="create, list or revoke admin/auditor API keys")
    keys = p.add_subparsers(dest="keys_command", required=True)
    c = keys.add_parser("create", help="create a key and print it (once)")
    c.add_argument("--role", choices=["admin", "auditor"], default="admin")
    c.add_argument("--name", default="", help="a label for the key (who or what uses it)")
    c.set_defaults(handler=_create)
    ls = keys.add_parser("list", help="list keys (ids, roles, names; never the keys)")
    ls.set_defaults(handler=_list)
    r = keys.add_parser("revoke", help="revoke a key by its id")
    r.add_argument("id")
    r.set_defaults(handler=_revoke)
    m = keys.add_parser(
        "mnemonic",
        help="print a new BIP-39 mnemonic for LOYALTY_CUSTODY_MNEMONIC (touches no database)",
    )
    m.set_defaults(handler=_mnemonic)


def announce_first_admin_key(engine: Engine, settings: Settings) -> None:
    """First start without LOYALTY_ADMIN_API_KEY and no admin key yet: make one, print it once."""
    from loyalty.services.api_keys import create_key, has_live_admin_key

    if settings.admin_api_key:
        return
    with engine.begin() as conn:
        if has_live_admin_key(conn):
            return
        key, record = create_key(conn, role="admin", name="first admin key (loyalty serve)")
    print(f"admin API key {record.id} (shown once, keep it): {key}", flush=True)

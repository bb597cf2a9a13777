"""Admin and auditor API keys, stored only as SHA-256 hashes.

A key reads `lk_<id>_<secret>`: the id finds the row (and names the key in logs), the hash of the
whole key proves it. Keys are 256-bit random, so a fast hash is enough (nothing to brute-force).

The writers run in the caller's transaction on a synchronous connection (`loyalty keys` and the
start-up's first key are synchronous CLI paths); `verify_key` reads on the API's async one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.rules import api_keys
from loyalty.domain.audit import AdminChanged, snapshot
from loyalty.domain.errors import InvalidInput, NotFound
from loyalty.services import audit

ROLES = ("admin", "auditor")
PREFIX = "lk_"
_KEY_RE = re.compile(r"^lk_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    role: str
    created_date: datetime
    revoked: bool


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_id_of(key: str) -> str | None:
    """The id part of a well-formed key, else None."""
    match = _KEY_RE.match(key)
    return match.group(1) if match else None


def create_key(
    conn: Connection, *, role: str = "admin", name: str = "", now: datetime | None = None
) -> tuple[str, ApiKey]:
    """Creates a key; returns it in clear (shown once, never stored) and its record."""
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}, not {role!r}", field="role")
    name = name.strip() or f"{role} key"
    if len(name) > 100:
        raise InvalidInput("name must be at most 100 characters", field="name")
    key_id = secrets.token_hex(6)
    key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    record = ApiKey(key_id, name, role, now or datetime.now(UTC), revoked=False)
    conn.execute(
        api_keys.insert().values(
            id=key_id,
            name=name,
            role=role,
            secret_hash=hash_key(key),
            created_date=record.created_date,
        )
    )
    audit.append_sync(
        conn,
        AdminChanged("api_key", key_id, "create", None, snapshot(record), record.created_date),
        audit.current_actor(),
    )
    return key, record


def list_keys(conn: Connection) -> list[ApiKey]:
    rows = conn.execute(select(api_keys).order_by(api_keys.c.created_date)).all()
    return [
        ApiKey(r.id, r.name, r.role, r.created_date, revoked=r.revoked_date is not None)
        for r in rows
    ]


def revoke_key(conn: Connection, key_id: str, *, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    row = conn.execute(
        select(api_keys).where(api_keys.c.id == key_id, api_keys.c.revoked_date.is_(None))
    ).first()
    result = conn.execute(
        api_keys.update()
        .where(api_keys.c.id == key_id, api_keys.c.revoked_date.is_(None))
        .values(revoked_date=now)
    )
    if row is None or result.rowcount != 1:
        raise NotFound(f"no live API key with id {key_id!r} (see `loyalty keys list`)")
    before = ApiKey(row.id, row.name, row.role, row.created_date, revoked=False)
    after = ApiKey(row.id, row.name, row.role, row.created_date, revoked=True)
    audit.append_sync(
        conn,
        AdminChanged("api_key", key_id, "revoke", snapshot(before), snapshot(after), now),
        audit.current_actor(),
    )


def has_live_admin_key(conn: Connection) -> bool:
    found = conn.scalar(
        select(api_keys.c.id)
        .where(api_keys.c.role == "admin", api_keys.c.revoked_date.is_(None))
        .limit(1)
    )
    return found is not None


async def verify_key(conn: AsyncConnection, key: str) -> ApiKey | None:
    """The live key record if `key` is a valid key, else None."""
    key_id = key_id_of(key)
    if key_id is None:
        return None
    row = (
        await conn.execute(
            select(api_keys).where(api_keys.c.id == key_id, api_keys.c.revoked_date.is_(None))
        )
    ).first()
    if row is None or not hmac.compare_digest(row.secret_hash, hash_key(key)):
        return None
    return ApiKey(row.id, row.name, row.role, row.created_date, revoked=False)

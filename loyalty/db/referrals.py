"""Tables of the referral program (issue 15). Migration branch "referrals" (referrals_0001).

`referral_program` is one row (its settings, watched by config_version so the earning path's
cached copy is never stale). A member's code lives in `referral_codes`: one active code per
member (a partial unique index); a regenerated code retires the old one, which then refers
nobody. `referrals` holds one row per referred friend (friend_pk is unique: a friend is referred
once), with its status, the reason when it was rejected, and what each side was granted (a
granted coupon is a redemption whose `referral_id` names the referral, see loyalty.db.program).
The sender's IP address is kept only as a SHA-256 (what the weekly per-IP limit counts).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import insert_or_skip
from loyalty.db.rules import ExactDecimal
from loyalty.db.tables import BIG_ID, metadata
from loyalty.domain.referrals import new_code, new_codes

referral_program = Table(
    "referral_program",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("revision", BigInteger, nullable=False),
    Column("status", String(12), nullable=False),
    Column("referrer_points", BigInteger, nullable=False),
    Column("friend_points", BigInteger, nullable=False),
    # A reward of the catalogue granted to each side (refcoupons_0001). No foreign key: the
    # columns were added in place, so that SQLite keeps the table's config_version triggers;
    # the service checks the reward, and a reward the program gives cannot be deleted.
    Column("referrer_reward_id", String(36), nullable=True),
    Column("friend_reward_id", String(36), nullable=True),
    Column("qualify_on", String(16), nullable=False),
    Column("minimum_amount", ExactDecimal(), nullable=True),
    Column("hold_days", Integer, nullable=False),
    Column("per_referrer_per_week", Integer, nullable=True),
    Column("per_ip_per_week", Integer, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("id = 1", name="ck_referral_program_single"),
    CheckConstraint("status IN ('DRAFT', 'ACTIVE', 'PAUSED')", name="ck_referral_program_status"),
)

referral_codes = Table(
    "referral_codes",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("member_pk", BIG_ID, ForeignKey("members.id"), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(
        "uq_referral_codes_active_member",
        "member_pk",
        unique=True,
        postgresql_where=text("active"),
        sqlite_where=text("active"),
    ),
)

referrals = Table(
    "referrals",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("referrer_pk", BIG_ID, ForeignKey("members.id"), nullable=False),
    Column("friend_pk", BIG_ID, ForeignKey("members.id"), nullable=False, unique=True),
    Column("code", String(16), nullable=False),
    Column("status", String(12), nullable=False),
    Column("reason", String(32), nullable=True),
    Column("ip_hash", String(64), nullable=True),
    Column("order_key", String(256), nullable=True),  # the qualifying order
    Column("qualified_at", DateTime(timezone=True), nullable=True),
    Column("reward_due_at", DateTime(timezone=True), nullable=True),
    Column("rewarded_at", DateTime(timezone=True), nullable=True),
    Column("referrer_points", BigInteger, nullable=False, server_default="0"),
    Column("friend_points", BigInteger, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(
        "status IN ('PENDING', 'QUALIFIED', 'REWARDED', 'REJECTED')", name="ck_referrals_status"
    ),
    Index("ix_referrals_referrer", "referrer_pk", "id"),
    Index("ix_referrals_referrer_week", "referrer_pk", "created_at"),
    Index("ix_referrals_ip_week", "ip_hash", "created_at"),
    Index("ix_referrals_due", "status", "reward_due_at"),
    Index("ix_referrals_order", "order_key"),
)


async def add_code(conn: AsyncConnection, member_pk: int, *, now: datetime) -> str:
    """A new active code for the member (the caller retired the old one). A clash with another
    member's code (50 random bits: rare, not impossible at a million members) draws again."""
    while True:
        code = new_code()
        inserted = await conn.scalar(
            insert_or_skip(conn.dialect.name, referral_codes, ["code"])
            .values(code=code, member_pk=member_pk, active=True, created_at=now)
            .returning(referral_codes.c.code)
        )
        if inserted is not None:
            return code


async def add_codes(conn: AsyncConnection, member_pks: list[int], *, now: datetime) -> None:
    """A code each for many new members (an import): one statement per round (on PostgreSQL
    the codes as arrays, unnested by the server); the rare clash is drawn again the next round."""
    missing = list(member_pks)
    while missing:
        codes = new_codes(len(missing))
        if conn.dialect.name == "postgresql":
            have = set(
                (
                    await conn.execute(
                        text(
                            "INSERT INTO referral_codes (code, member_pk, active, created_at) "
                            "SELECT c, pk, true, :now FROM unnest(CAST(:codes AS text[]), "
                            "CAST(:pks AS bigint[])) AS b(c, pk) "
                            "ON CONFLICT DO NOTHING RETURNING member_pk"
                        ),
                        {"codes": codes, "pks": missing, "now": now},
                    )
                ).scalars()
            )
        else:
            await conn.execute(
                insert_or_skip(conn.dialect.name, referral_codes, ["code"]),
                [
                    {"code": code, "member_pk": pk, "active": True, "created_at": now}
                    for code, pk in zip(codes, missing, strict=True)
                ],
            )
            have = set(
                (
                    await conn.execute(
                        select(referral_codes.c.member_pk).where(
                            referral_codes.c.member_pk.in_(missing),
                            referral_codes.c.active.is_(True),
                        )
                    )
                ).scalars()
            )
        missing = [pk for pk in missing if pk not in have]

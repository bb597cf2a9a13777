"""Referral program (issue 15): its settings (one row, watched by config_version), members'
referral codes (existing members get one here), and the referrals.

Revision ID: referrals_0001
Revises: ledger_0003
"""

import secrets
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "referrals_0001"
down_revision = "ledger_0003"
branch_labels = ("referrals",)
depends_on = ("program_cfgver_0001",)

PG_FUNCTION = "loyalty_bump_config_version"  # created by program_cfgver_0001
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # loyalty.domain.referrals.CODE_ALPHABET


def _money() -> sa.types.TypeEngine[Any]:
    return sa.Numeric(30, 6).with_variant(sa.String(48), "sqlite")


def upgrade() -> None:
    pk = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "referral_program",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("referrer_points", sa.BigInteger, nullable=False),
        sa.Column("friend_points", sa.BigInteger, nullable=False),
        sa.Column("qualify_on", sa.String(16), nullable=False),
        sa.Column("minimum_amount", _money(), nullable=True),
        sa.Column("hold_days", sa.Integer, nullable=False),
        sa.Column("per_referrer_per_week", sa.Integer, nullable=True),
        sa.Column("per_ip_per_week", sa.Integer, nullable=True),
        sa.Column("updated_at", ts, nullable=True),
        sa.CheckConstraint("id = 1", name="ck_referral_program_single"),
        sa.CheckConstraint(
            "status IN ('DRAFT', 'ACTIVE', 'PAUSED')", name="ck_referral_program_status"
        ),
    )
    op.execute(
        "INSERT INTO referral_program (id, revision, status, referrer_points, friend_points, "
        "qualify_on, hold_days) VALUES (1, 1, 'DRAFT', 0, 0, 'FIRST_ORDER', 0)"
    )
    op.create_table(
        "referral_codes",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("member_pk", pk, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", ts, nullable=False),
    )
    op.create_index(
        "uq_referral_codes_active_member",
        "referral_codes",
        ["member_pk"],
        unique=True,
        postgresql_where=sa.text("active"),
        sqlite_where=sa.text("active"),
    )
    op.create_table(
        "referrals",
        sa.Column("id", pk, primary_key=True, autoincrement=True),
        sa.Column("referrer_pk", pk, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("friend_pk", pk, sa.ForeignKey("members.id"), nullable=False, unique=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("ip_hash", sa.String(64), nullable=True),
        sa.Column("order_key", sa.String(256), nullable=True),
        sa.Column("qualified_at", ts, nullable=True),
        sa.Column("reward_due_at", ts, nullable=True),
        sa.Column("rewarded_at", ts, nullable=True),
        sa.Column("referrer_points", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("friend_points", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        sa.CheckConstraint(
            "status IN ('PENDING', 'QUALIFIED', 'REWARDED', 'REJECTED')",
            name="ck_referrals_status",
        ),
    )
    op.create_index("ix_referrals_referrer", "referrals", ["referrer_pk", "id"])
    op.create_index("ix_referrals_referrer_week", "referrals", ["referrer_pk", "created_at"])
    op.create_index("ix_referrals_ip_week", "referrals", ["ip_hash", "created_at"])
    op.create_index("ix_referrals_due", "referrals", ["status", "reward_due_at"])
    op.create_index("ix_referrals_order", "referrals", ["order_key"])
    _codes_for_existing_members()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER trg_referral_program_config_version "
            "AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON referral_program "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
        )
    else:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER trg_referral_program_{event.lower()}_config_version "
                f"AFTER {event} ON referral_program BEGIN "
                "UPDATE config_version SET version = abs(random() % 4503599627370496) "
                "WHERE id = 1; END"
            )


def _codes_for_existing_members() -> None:
    bind = op.get_bind()
    pks = [row[0] for row in bind.execute(sa.text("SELECT id FROM members ORDER BY id"))]
    now = datetime.now(UTC)
    codes: set[str] = set()
    rows = []
    for member_pk in pks:
        code = "".join(secrets.choice(ALPHABET) for _ in range(10))
        while code in codes:
            code = "".join(secrets.choice(ALPHABET) for _ in range(10))
        codes.add(code)
        rows.append({"code": code, "member_pk": member_pk, "active": True, "created_at": now})
    if rows:
        table = sa.table(
            "referral_codes",
            sa.column("code"),
            sa.column("member_pk"),
            sa.column("active"),
            sa.column("created_at"),
        )
        op.bulk_insert(table, rows)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_referral_program_config_version ON referral_program")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_referral_program_{event}_config_version")
    for name in ("ix_referrals_order", "ix_referrals_due", "ix_referrals_ip_week"):
        op.drop_index(name, "referrals")
    op.drop_index("ix_referrals_referrer_week", "referrals")
    op.drop_index("ix_referrals_referrer", "referrals")
    op.drop_table("referrals")
    op.drop_index("uq_referral_codes_active_member", "referral_codes")
    op.drop_table("referral_codes")
    op.drop_table("referral_program")

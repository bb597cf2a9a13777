"""Held points (issue 14, item 3): the held_points table, a rule's and the program's holdDays,
and the ACTIVATE ledger entry type.

Revision ID: held_0001
Revises: core_0001 (branch "held"; after the heads of the tables it changes)

earning_rules.hold_days (NULL: the program's) and program_settings.hold_days (default 0: no
hold, so nothing changes for an existing program). ledger_entries.type's CHECK admits ACTIVATE;
SQLite cannot alter a CHECK, so the table is copied (Alembic's batch mode) with the rows of
redemptions, which reference it, kept in a temporary table meanwhile (as ledger_0003 does).
Downgrading is refused while a held award or an ACTIVATE entry exists: no earlier state can
say that points were held.
"""

import sqlalchemy as sa
from alembic import op

revision = "held_0001"
down_revision = "core_0001"
branch_labels = ("held",)
# campaigns_0002 follows program_cfgver_0001 and the rules; jobs_0001 (on ledger_0003) is the
# last to have changed ledger_entries' type CHECK (IMPORT).
depends_on = ("jobs_0001", "campaigns_0002")

_NAME = "ck_ledger_entries_type"
_OLD_TYPES = (
    "EARN",
    "ADJUST",
    "REDEEM",
    "REFUND",
    "REVERSE",
    "EXPIRE",
    "TRANSFER_OUT",
    "TRANSFER_IN",
    "IMPORT",
)
_NEW_TYPES = (*_OLD_TYPES, "ACTIVATE")


def _check(types: tuple[str, ...]) -> str:
    return "type IN (" + ", ".join(f"'{t}'" for t in types) + ")"


def _set_types(types: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(_NAME, "ledger_entries", type_="check")
        op.create_check_constraint(_NAME, "ledger_entries", _check(types))
        return
    kept = "redemptions" in sa.inspect(op.get_bind()).get_table_names()
    if kept:
        # Left by an earlier attempt rolled back after it (see downgrade): its rows are back
        # in redemptions by then.
        op.execute("DROP TABLE IF EXISTS _redemptions_kept")
        op.execute("CREATE TEMPORARY TABLE _redemptions_kept AS SELECT * FROM redemptions")
        op.execute("DELETE FROM redemptions")
    with op.batch_alter_table("ledger_entries", recreate="always") as batch:
        batch.drop_constraint(_NAME, type_="check")
        batch.create_check_constraint(_NAME, sa.text(_check(types)))
    if kept:
        op.execute("INSERT INTO redemptions SELECT * FROM _redemptions_kept")
        op.execute("DROP TABLE _redemptions_kept")


def upgrade() -> None:
    pk = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    ts = sa.DateTime(timezone=True)
    _set_types(_NEW_TYPES)
    # ADD COLUMN in place on both databases (no copy: earning_rules keeps its triggers).
    op.add_column("earning_rules", sa.Column("hold_days", sa.Integer, nullable=True))
    op.add_column(
        "program_settings",
        sa.Column("hold_days", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "held_points",
        sa.Column("entry_id", pk, sa.ForeignKey("ledger_entries.id"), primary_key=True),
        sa.Column("member_pk", pk, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("points", sa.BigInteger, nullable=False),
        sa.Column("remaining", sa.BigInteger, nullable=False),
        sa.Column("hold_days", sa.Integer, nullable=False),
        sa.Column("available_at", ts, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("activation_entry_id", pk, sa.ForeignKey("ledger_entries.id"), nullable=True),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        sa.CheckConstraint("points > 0", name="ck_held_points_points"),
        sa.CheckConstraint(
            "remaining >= 0 AND remaining <= points", name="ck_held_points_remaining"
        ),
        sa.CheckConstraint(
            "status IN ('HELD', 'ACTIVE', 'CANCELLED')", name="ck_held_points_status"
        ),
    )
    op.create_index("ix_held_points_member", "held_points", ["member_pk", "status"])
    op.create_index(
        "ix_held_points_due",
        "held_points",
        ["available_at", "entry_id"],
        postgresql_where=sa.text("status = 'HELD'"),
        sqlite_where=sa.text("status = 'HELD'"),
    )
    op.create_index("ix_held_points_activation", "held_points", ["activation_entry_id"])


def downgrade() -> None:
    # Idempotent: on SQLite the DDL below commits as it runs (pysqlite), so a downgrade that a
    # later revision refuses (ledger_0003 with transfer entries) leaves this one half done and
    # still recorded; the next attempt must carry on from there.
    bind = op.get_bind()
    tables = set(sa.inspect(bind).get_table_names())
    held = 0
    if "held_points" in tables:
        held = bind.execute(sa.text("SELECT count(*) FROM held_points")).scalar_one()
    activations = bind.execute(
        sa.text("SELECT count(*) FROM ledger_entries WHERE type = 'ACTIVATE'")
    ).scalar_one()
    if held or activations:
        raise RuntimeError(
            "cannot downgrade held_0001: held awards or ACTIVATE entries exist (no earlier "
            "revision can tell held points from available ones)"
        )
    if "held_points" in tables:
        for name in ("activation", "due", "member"):
            op.drop_index(f"ix_held_points_{name}", "held_points")
        op.drop_table("held_points")
    for table in ("program_settings", "earning_rules"):
        columns = {c["name"] for c in sa.inspect(bind).get_columns(table)}
        if "hold_days" in columns:
            # Not a batch copy on SQLite: copying earning_rules would drop its config_version
            # triggers and cascade-delete its configs. SQLite 3.35+ drops a plain column.
            op.execute(f"ALTER TABLE {table} DROP COLUMN hold_days")
    _set_types(_OLD_TYPES)

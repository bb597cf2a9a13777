"""Long jobs (issue 16, items 3 and 4): jobs, their per-item errors, an import's staged rows,
and the IMPORT ledger entry type (a balance brought from the program this one replaced).

Revision ID: jobs_0001
Revises: ledger_0003

ledger_entries' CHECK admits IMPORT; on SQLite the table is copied as ledger_0003 does (the
rows of redemptions, which reference it, wait in a temporary table meanwhile). Downgrading is
refused while an IMPORT entry exists: no earlier type can hold it.
"""

import sqlalchemy as sa
from alembic import op

revision = "jobs_0001"
down_revision = "ledger_0003"
branch_labels = ("jobs",)
depends_on = None

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
)
_NEW_TYPES = (*_OLD_TYPES, "IMPORT")


def _check(types: tuple[str, ...]) -> str:
    return "type IN (" + ", ".join(f"'{t}'" for t in types) + ")"


def _set_types(types: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(_NAME, "ledger_entries", type_="check")
        op.create_check_constraint(_NAME, "ledger_entries", _check(types))
        return
    kept = "redemptions" in sa.inspect(op.get_bind()).get_table_names()
    if kept:
        # Left over on this connection when a later revision's refusal rolled back a downgrade
        # after the table was made (SQLite begins the transaction only at the first DELETE).
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
    _set_types(_NEW_TYPES)
    pk = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.create_table(
        "jobs",
        sa.Column("id", pk, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("idempotency_key", sa.String(256), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.Column("processed", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("errors", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("cursor", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("actor_key_id", sa.String(64), nullable=True),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kind", "idempotency_key", name="uq_jobs_key"),
        sa.CheckConstraint(
            "state IN ('PENDING', 'RUNNING', 'DONE', 'FAILED')", name="ck_jobs_state"
        ),
    )
    op.create_index("ix_jobs_state", "jobs", ["state", "id"])
    op.create_table(
        "job_errors",
        sa.Column("id", pk, primary_key=True, autoincrement=True),
        sa.Column("job_id", pk, sa.ForeignKey("jobs.id"), nullable=False),
        sa.Column("row", sa.BigInteger, nullable=False),
        sa.Column("item", sa.String(256), nullable=True),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
    )
    op.create_index("ix_job_errors_job", "job_errors", ["job_id", "row"])
    op.create_table(
        "import_rows",
        sa.Column("job_id", pk, sa.ForeignKey("jobs.id"), primary_key=True),
        sa.Column("row", sa.Integer, primary_key=True),
        sa.Column("member_id", sa.String(256), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("wallet_address", sa.String(42), nullable=True),
        sa.Column("balance", sa.BigInteger, nullable=False),
        sa.Column("earned", sa.BigInteger, nullable=False),
        sa.Column("tier_id", sa.String(36), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    found = op.get_bind().execute(
        sa.text("SELECT count(*) FROM ledger_entries WHERE type = 'IMPORT'")
    )
    if found.scalar_one():
        raise RuntimeError(
            "cannot downgrade jobs_0001: IMPORT entries exist (balances brought from the old "
            "program; no earlier entry type can hold them)"
        )
    # IF EXISTS: SQLite may have kept these drops from a downgrade that a later revision's
    # refusal then stopped (its DDL is not always rolled back), so a second try must pass.
    for table in ("import_rows", "job_errors", "jobs"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    _set_types(_OLD_TYPES)

"""Ledger: TRANSFER_OUT / TRANSFER_IN entries (points a member moved on chain themselves, posted
from final Transfer events) and the feed's checkpoint, ledger_transfer_feed.

Revision ID: ledger_0003
Revises: ledger_0002

ledger_entries.type widens to VARCHAR(16) and its CHECK admits the two types. SQLite cannot alter
a CHECK: the table is copied (Alembic's batch mode); the rows of redemptions, which reference
it, are kept in a temporary table meanwhile (as minter_0003 does for minter_txs).
Downgrading is refused while a transfer entry exists: no earlier type can hold it.
"""

import sqlalchemy as sa
from alembic import op

revision = "ledger_0003"
down_revision = "ledger_0002"
branch_labels = None
depends_on = None

_NAME = "ck_ledger_entries_type"
_OLD_TYPES = ("EARN", "ADJUST", "REDEEM", "REFUND", "REVERSE", "EXPIRE")
_NEW_TYPES = (*_OLD_TYPES, "TRANSFER_OUT", "TRANSFER_IN")


def _check(types: tuple[str, ...]) -> str:
    return "type IN (" + ", ".join(f"'{t}'" for t in types) + ")"


def _set_type(types: tuple[str, ...], length: int) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(_NAME, "ledger_entries", type_="check")
        op.alter_column("ledger_entries", "type", type_=sa.String(length))
        op.create_check_constraint(_NAME, "ledger_entries", _check(types))
        return
    # The copy drops the old table, which the rows of redemptions reference (under PRAGMA
    # foreign_keys=ON): they wait in a temporary table meanwhile, in the same transaction.
    kept = "redemptions" in sa.inspect(op.get_bind()).get_table_names()
    if kept:
        op.execute("CREATE TEMPORARY TABLE _redemptions_kept AS SELECT * FROM redemptions")
        op.execute("DELETE FROM redemptions")
    with op.batch_alter_table("ledger_entries", recreate="always") as batch:
        batch.drop_constraint(_NAME, type_="check")
        batch.alter_column("type", type_=sa.String(length))
        batch.create_check_constraint(_NAME, sa.text(_check(types)))
    if kept:
        op.execute("INSERT INTO redemptions SELECT * FROM _redemptions_kept")
        op.execute("DROP TABLE _redemptions_kept")


def upgrade() -> None:
    _set_type(_NEW_TYPES, 16)
    op.create_table(
        "ledger_transfer_feed",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("through_block", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    found = op.get_bind().execute(
        sa.text("SELECT count(*) FROM ledger_entries WHERE type IN ('TRANSFER_OUT', 'TRANSFER_IN')")
    )
    if found.scalar_one():
        raise RuntimeError(
            "cannot downgrade ledger_0003: TRANSFER_OUT / TRANSFER_IN entries exist (points "
            "members moved on chain; no earlier entry type can hold them)"
        )
    op.drop_table("ledger_transfer_feed")
    _set_type(_OLD_TYPES, 8)

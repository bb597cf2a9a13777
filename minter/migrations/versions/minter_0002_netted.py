"""Minter: a NETTED batch state, for requests whose mints and burns cancel out per address (they
are final without any transaction). Batches recorded FINAL with no on-chain entry and no
transaction before this state existed become NETTED.

Revision ID: minter_0002
Revises: minter_0001

SQLite cannot alter a CHECK constraint: the table is copied (batch mode, recreate). Its rows are
referenced by minter_txs.batch_pk under PRAGMA foreign_keys=ON, which cannot be switched off
inside the migration's transaction and makes dropping a referenced table fail; so minter_txs is
emptied into a temporary table for the copy and refilled after it, in the same transaction.
"""

import sqlalchemy as sa
from alembic import op

revision = "minter_0002"
down_revision = "minter_0001"
branch_labels = None
depends_on = None

_NAME = "ck_mint_batches_status"
_OLD = "status IN ('PENDING', 'SENT', 'INCLUDED', 'FINAL')"
_NEW = "status IN ('PENDING', 'SENT', 'INCLUDED', 'FINAL', 'NETTED')"


def _set_check(condition: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(_NAME, "mint_batches", type_="check")
        op.create_check_constraint(_NAME, "mint_batches", condition)
        return
    op.execute("CREATE TEMPORARY TABLE _minter_txs_kept AS SELECT * FROM minter_txs")
    op.execute("DELETE FROM minter_txs")
    with op.batch_alter_table("mint_batches", recreate="always") as batch:
        batch.drop_constraint(_NAME, type_="check")
        batch.create_check_constraint(_NAME, sa.text(condition))
    op.execute("INSERT INTO minter_txs SELECT * FROM _minter_txs_kept")
    op.execute("DROP TABLE _minter_txs_kept")


def upgrade() -> None:
    _set_check(_NEW)
    op.execute(
        "UPDATE mint_batches SET status = 'NETTED' "
        "WHERE status = 'FINAL' AND recipients = 0 AND tx_hash IS NULL"
    )


def downgrade() -> None:
    op.execute("UPDATE mint_batches SET status = 'FINAL' WHERE status = 'NETTED'")
    _set_check(_OLD)

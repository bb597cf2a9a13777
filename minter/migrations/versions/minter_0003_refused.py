"""Minter: a REFUSED batch state, for the requests of addresses the token refused (taken out of
their batch so the rest could go; never sent again).

Revision ID: minter_0003
Revises: minter_0002

SQLite cannot alter a CHECK constraint: the table is copied as in minter_0002 (minter_txs, which
references mint_batches under PRAGMA foreign_keys=ON, is emptied into a temporary table for the
copy and refilled after it, in the same transaction). Downgrading is refused while a REFUSED
batch exists: no earlier state says what it means.
"""

import sqlalchemy as sa
from alembic import op

revision = "minter_0003"
down_revision = "minter_0002"
branch_labels = None
depends_on = None

_NAME = "ck_mint_batches_status"
_OLD = "status IN ('PENDING', 'SENT', 'INCLUDED', 'FINAL', 'NETTED')"
_NEW = "status IN ('PENDING', 'SENT', 'INCLUDED', 'FINAL', 'NETTED', 'REFUSED')"


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


def downgrade() -> None:
    refused = op.get_bind().execute(
        sa.text("SELECT count(*) FROM mint_batches WHERE status = 'REFUSED'")
    )
    if refused.scalar_one():
        raise RuntimeError(
            "cannot downgrade minter_0003: REFUSED batches exist (their requests were refused "
            "by the token; no earlier state can hold them)"
        )
    _set_check(_OLD)

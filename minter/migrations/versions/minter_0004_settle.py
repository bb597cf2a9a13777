"""Minter: SETTLE batches (issue 17) and the persisted committed tree.

Revision ID: minter_0004
Revises: minter_0003

A SETTLE batch mints and burns in one `settle` call and commits the ledger's root with the supply
the chain holds after it: `mint_batches.kind` gains 'SETTLE', and the batch keeps the root and the
committed supply it was signed with (`root`, `committed_supply`). The committed tree's nodes,
leaves and position are stored (`commit_tree_nodes`, `commit_tree_leaves`, `commit_tree_state`)
so that a restarted minter updates it incrementally instead of rebuilding it.

SQLite cannot alter a CHECK constraint: the table is copied as in minter_0002/0003 (minter_txs
kept in a temporary table meanwhile). Downgrading is refused while a SETTLE batch exists.
"""

import sqlalchemy as sa
from alembic import op

revision = "minter_0004"
down_revision = "minter_0003"
branch_labels = None
depends_on = None

_NAME = "ck_mint_batches_kind"
_OLD = "kind IN ('MINT', 'BURN')"
_NEW = "kind IN ('MINT', 'BURN', 'SETTLE')"


def _set_check(condition: str, *, columns: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(_NAME, "mint_batches", type_="check")
        op.create_check_constraint(_NAME, "mint_batches", condition)
        if columns:
            op.add_column("mint_batches", sa.Column("root", sa.String(66), nullable=True))
            op.add_column(
                "mint_batches", sa.Column("committed_supply", sa.Numeric(78, 0), nullable=True)
            )
        else:
            op.drop_column("mint_batches", "committed_supply")
            op.drop_column("mint_batches", "root")
        return
    # Left over when a later downgrade step failed after this one ran (pysqlite commits DDL
    # outside a transaction, and a rollback brings back the dropped temporary table).
    op.execute("DROP TABLE IF EXISTS _minter_txs_kept")
    op.execute("CREATE TEMPORARY TABLE _minter_txs_kept AS SELECT * FROM minter_txs")
    op.execute("DELETE FROM minter_txs")
    with op.batch_alter_table("mint_batches", recreate="always") as batch:
        batch.drop_constraint(_NAME, type_="check")
        batch.create_check_constraint(_NAME, sa.text(condition))
        if columns:
            batch.add_column(sa.Column("root", sa.String(66), nullable=True))
            batch.add_column(sa.Column("committed_supply", sa.Numeric(78, 0), nullable=True))
        else:
            batch.drop_column("committed_supply")
            batch.drop_column("root")
    op.execute("INSERT INTO minter_txs SELECT * FROM _minter_txs_kept")
    op.execute("DROP TABLE _minter_txs_kept")


def upgrade() -> None:
    _set_check(_NEW, columns=True)
    op.create_table(
        "commit_tree_nodes",
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("idx", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.Column("balance", sa.Numeric(78, 0), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_commit_tree_nodes"),
    )
    op.create_table(
        "commit_tree_leaves",
        sa.Column("member_pk", sa.BigInteger, primary_key=True),
        sa.Column("address", sa.String(42), nullable=True),
        sa.Column("balance", sa.Numeric(78, 0), nullable=False),
    )
    op.create_table(
        "commit_tree_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("floor", sa.BigInteger, nullable=False),
        sa.Column("top", sa.Integer, nullable=False),
        sa.Column("depth", sa.Integer, nullable=False),
        sa.Column("root", sa.String(66), nullable=False),
        sa.Column("supply", sa.Numeric(78, 0), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    settled = op.get_bind().execute(
        sa.text("SELECT count(*) FROM mint_batches WHERE kind = 'SETTLE'")
    )
    if settled.scalar_one():
        raise RuntimeError(
            "cannot downgrade minter_0004: SETTLE batches exist (mints and burns in one call "
            "with a committed root; no earlier state can hold them)"
        )
    # On SQLite an earlier revision's refused downgrade can leave these dropped with this
    # revision still recorded (its DDL is not all rolled back): drop what is there.
    present = set(sa.inspect(op.get_bind()).get_table_names())
    for table in ("commit_tree_state", "commit_tree_leaves", "commit_tree_nodes"):
        if table in present:
            op.drop_table(table)
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("mint_batches")}
    if "root" in columns:
        _set_check(_OLD, columns=False)

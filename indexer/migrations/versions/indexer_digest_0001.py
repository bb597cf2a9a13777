"""The bisectable digest (issue 17, item 5): indexer_digests, one row per block that changed a
balance. An index made before it gets its rows here, from its own balance history (the rows are
a function of it: indexer/digest.py), read once in order.

Revision ID: indexer_digest_0001
Revises: indexer_0001
"""

import sqlalchemy as sa
from alembic import op

from indexer.digest import block_digest, seed

revision = "indexer_digest_0001"
down_revision = "indexer_0001"
branch_labels = ("indexer_digest",)
depends_on = None

_BATCH = 5_000


def upgrade() -> None:
    table = op.create_table(
        "indexer_digests",
        sa.Column("block_number", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("changes", sa.Integer, nullable=False),
    )
    bind = op.get_bind()
    state = bind.execute(sa.text("SELECT chain_id, token FROM indexer_state WHERE id = 1")).first()
    if state is None:
        return
    # Streamed (a server-side cursor on PostgreSQL): the history can hold millions of rows.
    rows = bind.execute(
        sa.text(
            "SELECT block_number, address, balance FROM indexer_balance_history "
            "ORDER BY block_number, address"
        ).execution_options(stream_results=True, yield_per=_BATCH)
    )
    previous = seed(int(state.chain_id), str(state.token))
    out: list[dict[str, object]] = []
    block: int | None = None
    changes: list[tuple[str, int]] = []

    def close_block() -> None:
        nonlocal previous
        assert block is not None
        previous = block_digest(previous, block, changes)
        out.append({"block_number": block, "digest": previous, "changes": len(changes)})
        if len(out) >= _BATCH:
            op.bulk_insert(table, out)
            out.clear()

    for number, address, balance in rows:
        if number != block:
            if block is not None:
                close_block()
            block, changes = int(number), []
        changes.append((str(address), int(balance)))  # SQLite: a zero-padded decimal string
    if block is not None:
        close_block()
    if out:
        op.bulk_insert(table, out)


def downgrade() -> None:
    op.drop_table("indexer_digests")

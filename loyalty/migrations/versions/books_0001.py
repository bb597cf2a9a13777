"""Members and the ledger as data (issue 16): the indexes the program-wide lists need so that a
page stays an index range scan at 1,000,000 members and millions of ledger entries.

Every ordering of `accounts` has a (sort key, id) index, the id breaking ties, so a keyset page
(`WHERE (key, id) > (:key, :id) ORDER BY key, id LIMIT n`) reads n rows whatever its depth.
Search is a case-insensitive prefix match: on PostgreSQL `lower(col) LIKE 'p%'` uses the
`text_pattern_ops` indexes below (a plain index serves LIKE only under the C collation).

Revision ID: books_0001
Revises: core_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "books_0001"
down_revision = "core_0001"
branch_labels = ("books",)
depends_on = ("ledger_0002", "program_0001", "campaigns_0001")

BALANCE = "(earned + adjusted - redeemed - expired - reversed)"
LAST_ACTIVITY = "coalesce(last_activity_at, created_at)"

PG_ONLY = {
    "ix_members_member_id_prefix": "members (lower(member_id) text_pattern_ops)",
    "ix_members_wallet_prefix": "members (wallet_address text_pattern_ops)",
    "ix_members_custodial_prefix": "members (custodial_address text_pattern_ops)",
    "ix_member_contacts_email_prefix": "member_contacts (lower(email) text_pattern_ops)",
}


def upgrade() -> None:
    op.create_index("ix_members_balance", "members", [sa.text(BALANCE), "id"])
    op.create_index("ix_members_earned", "members", ["earned", "id"])
    op.create_index("ix_members_last_activity", "members", [sa.text(LAST_ACTIVITY), "id"])
    op.create_index("ix_members_created", "members", ["created_at", "id"])
    op.create_index("ix_member_tiers_tier", "member_tiers", ["tier_id", "member_pk"])
    # Program-wide transactions: newest first by id, narrowed by type, rule, campaign, order.
    op.create_index("ix_ledger_entries_type", "ledger_entries", ["type", "id"])
    op.create_index("ix_ledger_entries_rule", "ledger_entries", ["rule_id", "id"])
    op.create_index("ix_ledger_entries_campaign", "ledger_entries", ["campaign_id", "id"])
    op.create_index("ix_ledger_entries_created", "ledger_entries", ["created_at", "id"])
    op.create_index("ix_chain_requests_entry", "chain_requests", ["ledger_entry_id"])
    if op.get_bind().dialect.name == "postgresql":
        for name, target in PG_ONLY.items():
            op.execute(f"CREATE INDEX {name} ON {target}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in PG_ONLY:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    op.drop_index("ix_chain_requests_entry", "chain_requests")
    for name in ("created", "campaign", "rule", "type"):
        op.drop_index(f"ix_ledger_entries_{name}", "ledger_entries")
    op.drop_index("ix_member_tiers_tier", "member_tiers")
    for name in ("created", "last_activity", "earned", "balance"):
        op.drop_index(f"ix_members_{name}", "members")

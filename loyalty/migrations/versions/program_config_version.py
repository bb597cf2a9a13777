"""Program: `config_version`, one row whose value changes (to a fresh random number) whenever
earning rules, their configs, tiers or the program settings change, by trigger, so every process
can check in one tiny read whether its cached copy of them is current.

Random rather than incremented: a value is never reused, not even after a rolled-back change or a
re-created database, so "same value" always means "same configuration".

Revision ID: program_cfgver_0001
Revises: program_0002
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "program_cfgver_0001"
down_revision = "program_0002"
branch_labels = None
depends_on = None

WATCHED = ("earning_rules", "earning_rule_configs", "tiers", "program_settings")
PG_FUNCTION = "loyalty_bump_config_version"


def upgrade() -> None:
    op.create_table(
        "config_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_config_version_single"),
    )
    op.execute(
        sa.text("INSERT INTO config_version (id, version) VALUES (1, :v)").bindparams(
            v=secrets.randbits(52)
        )
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE config_version SET version = floor(random() * 4503599627370496)::bigint
                WHERE id = 1;
                RETURN NULL;
            END $$
            """
        )
        for table in WATCHED:
            op.execute(
                f"CREATE TRIGGER trg_{table}_config_version "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
            )
    else:
        for table in WATCHED:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER trg_{table}_{event.lower()}_config_version "
                    f"AFTER {event} ON {table} BEGIN "
                    "UPDATE config_version SET version = abs(random() % 4503599627370496) "
                    "WHERE id = 1; END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_config_version ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    else:
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_{event}_config_version")
    op.drop_table("config_version")

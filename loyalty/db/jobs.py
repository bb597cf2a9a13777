"""Tables of long jobs (issue 16: bulk adjustments and imports). Migration branch "jobs".

A job's progress (`cursor`, `processed`, `errors`) is updated in the same transaction as the
work it counts, so a process killed at any point resumes exactly where the last commit left it.
`import_rows` holds an import's validated rows until they are applied (an upload is gone once
its request ended; a resumed job reads them from here).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from loyalty.db.tables import BIG_ID, metadata

PENDING, RUNNING, DONE, FAILED = "PENDING", "RUNNING", "DONE", "FAILED"
JOB_STATES = (PENDING, RUNNING, DONE, FAILED)
UNFINISHED = (PENDING, RUNNING)
BULK_ADJUST, IMPORT = "BULK_ADJUST", "IMPORT"

jobs = Table(
    "jobs",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("idempotency_key", String(256), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("state", String(12), nullable=False),
    Column("params", Text, nullable=False),  # JSON: what the job does
    Column("total", BigInteger, nullable=False),
    Column("processed", BigInteger, nullable=False, server_default="0"),
    Column("errors", BigInteger, nullable=False, server_default="0"),
    Column("cursor", BigInteger, nullable=False, server_default="0"),  # last item done
    Column("message", Text, nullable=True),  # why it FAILED
    Column("actor_key_id", String(64), nullable=True),
    Column("actor_name", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("kind", "idempotency_key", name="uq_jobs_key"),
    CheckConstraint("state IN ('PENDING', 'RUNNING', 'DONE', 'FAILED')", name="ck_jobs_state"),
    Index("ix_jobs_state", "state", "id"),
)

# Per-item problems: an import's invalid rows (row 1 is the first data row; field, reason), a
# bulk adjustment's members it could not adjust. The first 10,000 of a job are stored
# (services.jobs.ERRORS_KEPT); `jobs.errors` counts them all.
job_errors = Table(
    "job_errors",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("job_id", BIG_ID, ForeignKey("jobs.id"), nullable=False),
    Column("row", BigInteger, nullable=False),
    Column("item", String(256), nullable=True),  # the member id, when known
    Column("field", String(64), nullable=False),
    Column("reason", String(500), nullable=False),
    Index("ix_job_errors_job", "job_id", "row"),
)

import_rows = Table(
    "import_rows",
    metadata,
    Column("job_id", BIG_ID, ForeignKey("jobs.id"), primary_key=True),
    Column("row", Integer, primary_key=True),
    Column("member_id", String(256), nullable=False),
    Column("email", String(254), nullable=True),
    Column("wallet_address", String(42), nullable=True),
    Column("balance", BigInteger, nullable=False),
    Column("earned", BigInteger, nullable=False),
    Column("tier_id", String(36), nullable=True),
    Column("last_activity_at", DateTime(timezone=True), nullable=True),
)

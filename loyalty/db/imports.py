"""Applying a batch of an import's staged rows on PostgreSQL, set-wise (issue 16, item 4).

Only what Python has to make comes from Python, as three arrays: the rows' numbers, the member
ids drawn for them and their custodial addresses (a BIP-32 derivation each). Everything else is
read from `import_rows` by the server itself: one INSERT … SELECT per table, the IMPORT entries
and their MINT requests in one statement (the entries' ids RETURNING straight into the outbox).
Building the COPY text of five tables in Python was most of the time the import spent in the
service's process, and that process is shared with the API and the minter thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# The batch: the rows' numbers with the id and custodial address each was given.
_BATCH = """
    WITH b AS (
        SELECT * FROM unnest(CAST(:rows AS integer[]), CAST(:pks AS bigint[]),
                             CAST(:addresses AS text[])) AS b(n, pk, address)
    )
"""
# The range as well as the join: staged rows the planner has no statistics for (a million, just
# written) would otherwise be read whole, and hashed, by each statement of each batch.
_IN_RANGE = 'r.job_id = :job_id AND r."row" BETWEEN :first AND :last AND r."row" = b.n'
_ROWS = "FROM b JOIN import_rows r ON " + _IN_RANGE

# loyalty.domain.ledger.import_totals, the same three figures (a unit test compares them).
_MEMBERS = (
    _BATCH
    + """
    INSERT INTO members (id, member_id, custodial_address, wallet_address, wallet_linked_at,
                         earned, adjusted, redeemed, last_activity_at, created_at, updated_at)
    SELECT b.pk, r.member_id, b.address, r.wallet_address,
           CASE WHEN r.wallet_address IS NOT NULL THEN CAST(:now AS timestamptz) END,
           r.earned, greatest(0, r.balance - r.earned), greatest(0, r.earned - r.balance),
           r.last_activity_at, :now, :now
    """
    + _ROWS
    + " ORDER BY b.n"
)

# An e-mail set ahead of the member (setMemberContact) is replaced by the file's.
_CONTACTS = (
    _BATCH
    + """
    INSERT INTO member_contacts (member_id, email, updated_at)
    SELECT r.member_id, r.email, :now
    """
    + _ROWS
    + """ WHERE r.email IS NOT NULL
    ON CONFLICT (member_id) DO UPDATE SET email = excluded.email, updated_at = excluded.updated_at
    """
)

_TIERS = (
    _BATCH
    + """
    INSERT INTO member_tiers (member_pk, tier_id, tier_points, updated_at)
    SELECT b.pk, r.tier_id, r.earned, :now
    """
    + _ROWS
    + " WHERE r.tier_id IS NOT NULL"
)

_ENTRIES_AND_MINTS = (
    _BATCH
    + """,
    e AS (
        INSERT INTO ledger_entries (member_pk, type, points, delta, debt_change, balance_after,
                                    business_key, description, created_at)
        SELECT b.pk, :type, r.balance, r.balance, 0, r.balance, 'import:' || r.member_id,
               :description, :now
        """
    + _ROWS
    + """ WHERE r.balance > 0
        ORDER BY b.n
        RETURNING id, member_pk, points
    )
    INSERT INTO chain_requests (kind, address, amount, member_id, ledger_entry_id, status,
                                created_at, updated_at)
    SELECT :kind, lower(coalesce(r.wallet_address, b.address)), e.points, r.member_id, e.id,
           :status, :now, :now
    FROM e JOIN b ON b.pk = e.member_pk
    JOIN import_rows r ON """
    + _IN_RANGE
    + """
    ORDER BY e.id
    """
)


async def apply_batch(
    conn: AsyncConnection,
    *,
    job_id: int,
    rows: Sequence[int],
    pks: Sequence[int],
    addresses: Sequence[str],
    now: datetime,
    entry_type: str,
    description: str,
    mint_kind: str,
    mint_status: str,
) -> None:
    """Members, contacts, tiers, IMPORT entries and MINT requests of the staged `rows`."""
    batch = {
        "job_id": job_id,
        "rows": list(rows),
        "first": min(rows),
        "last": max(rows),
        "pks": list(pks),
        "addresses": list(addresses),
        "now": now,
    }
    # psycopg prepares a statement run 5 times, and PostgreSQL then plans it once for any
    # parameters: blind to the arrays' length and the range, that plan read the staged rows whole
    # (at 200,000 rows a batch took 20 times as long after its 10th run). Plan each with its own.
    await conn.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    await conn.execute(text(_MEMBERS), batch)
    await conn.execute(text(_CONTACTS), batch)
    await conn.execute(text(_TIERS), batch)
    await conn.execute(
        text(_ENTRIES_AND_MINTS),
        {
            **batch,
            "type": entry_type,
            "description": description,
            "kind": mint_kind,
            "status": mint_status,
        },
    )

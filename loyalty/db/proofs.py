"""The salts of the ledger's Merkle-sum tree (loyalty.domain.merkle): one random 32-byte salt per
member, kept by the service and handed only to the member (and admins/auditors) with their proof,
so that a leaf's commitment H(salt ‖ memberId) names no one to anybody else. Migration branch
"proofs". A salt never changes: a member's leaf commitment is stable across roots.

`book_rows` is the one statement that reads the tree's figures, for the service (async) and the
audit (sync) alike: a member's slot is their row id - 1 (ids are never reused, so the order of
the leaves follows from stored state and a newcomer takes a new slot at the end).
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Column, ForeignKey, LargeBinary, Table, func, select

from loyalty.db.ledger import ledger_entries, members
from loyalty.db.tables import BIG_ID, metadata
from loyalty.domain.merkle import SALT_BYTES, MemberFigures

member_salts = Table(
    "member_salts",
    metadata,
    Column("member_pk", BIG_ID, ForeignKey("members.id"), primary_key=True),
    Column("salt", LargeBinary(SALT_BYTES), nullable=False),
)

# The commitment a member's committed leaf keeps after an erasure changed their id and salt
# (migration proofs_0002): H(old salt ‖ old member id), so that the roots committed before stay
# reproducible. Written by loyalty.services.erasure, read by minter.commitment.
member_commitments = Table(
    "member_commitments",
    metadata,
    Column("member_pk", BIG_ID, ForeignKey("members.id"), primary_key=True),
    Column("commitment", LargeBinary(32), nullable=False),
)

BALANCE = (
    members.c.earned
    + members.c.adjusted
    - members.c.redeemed
    - members.c.expired
    - members.c.reversed
)


def book_rows() -> Any:
    """Every member with their salt (NULL when it has none yet), receiving address and figures,
    and in every row the last ledger entry id: one statement, so one snapshot on both databases."""
    last_entry = select(func.max(ledger_entries.c.id)).scalar_subquery()
    return (
        select(
            members.c.id,
            members.c.member_id,
            members.c.custodial_address,
            members.c.wallet_address,
            BALANCE.label("balance"),
            members.c.debt,
            members.c.revision,
            member_salts.c.salt,
            last_entry.label("last_entry"),
        )
        .select_from(members.outerjoin(member_salts, member_salts.c.member_pk == members.c.id))
        .order_by(members.c.id)
    )


def figures(row: Any) -> MemberFigures:
    return MemberFigures(
        slot=row.id - 1,
        member_id=row.member_id,
        salt=bytes(row.salt),
        address=row.wallet_address or row.custodial_address,
        balance=row.balance,
        debt=row.debt,
    )


def missing_salts() -> Any:
    """The members without a salt yet."""
    return (
        select(members.c.id)
        .select_from(members.outerjoin(member_salts, member_salts.c.member_pk == members.c.id))
        .where(member_salts.c.salt.is_(None))
    )


def new_salts(member_pks: list[int]) -> list[dict[str, Any]]:
    return [{"member_pk": pk, "salt": secrets.token_bytes(SALT_BYTES)} for pk in member_pks]


def fingerprint() -> Any:
    """(members, sum of revisions, salts, last entry id): changes whenever a leaf can change
    (every change of a member's figures or receiving address raises its revision)."""
    return select(
        select(func.count()).select_from(members).scalar_subquery(),
        select(func.coalesce(func.sum(members.c.revision), 0)).scalar_subquery(),
        select(func.count()).select_from(member_salts).scalar_subquery(),
        select(func.max(ledger_entries.c.id)).scalar_subquery(),
    )

"""Everything the service holds about one member, as one machine-readable document (GDPR
access, issue 16): the account and its totals, contact, tier, salt, every ledger entry, chain
request, redemption, order, inbound event (as received and as answered), wallet challenge and
link, held award, referral code and referral (made or received), notification, and the
audit-log entries about the member. Read-only, on the caller's
connection (one snapshot per request). JSON-ready values: datetimes ISO 8601 UTC, Decimals as
strings, stored JSON documents parsed.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.audit import audit_log
from loyalty.db.holds import held_points
from loyalty.db.ledger import (
    inbound_events,
    ledger_entries,
    orders,
    wallet_challenges,
    wallet_links,
)
from loyalty.db.outbox import chain_requests
from loyalty.db.program import member_contacts, member_tiers, notifications, redemptions
from loyalty.db.proofs import member_salts
from loyalty.db.referrals import referral_codes, referrals
from loyalty.db.times import utc
from loyalty.services.audit import audit_subject
from loyalty.services.members import get_member

FORMAT = "loyalty.member-data/1"
JSON_COLUMNS = frozenset({"details", "response", "payload", "error", "before", "after", "diff"})


def _plain(name: str, value: Any) -> Any:
    if isinstance(value, datetime):
        aware = utc(value)
        return aware.isoformat() if aware is not None else None
    if isinstance(value, date):  # a birthday
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if name in JSON_COLUMNS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _records(rows: Any) -> list[dict[str, Any]]:
    return [{k: _plain(k, v) for k, v in row._mapping.items()} for row in rows]


async def _rows(conn: AsyncConnection, table: Table, *where: Any) -> list[dict[str, Any]]:
    pk = next(iter(table.primary_key.columns))
    return _records((await conn.execute(select(table).where(*where).order_by(pk))).all())


async def member_data(conn: AsyncConnection, member_id: str) -> dict[str, Any]:
    """The document; NotFound for an unknown member."""
    member = await get_member(conn, member_id)
    pk = member.pk
    t = member.totals
    contact = await _rows(conn, member_contacts, member_contacts.c.member_id == member.member_id)
    tier = await _rows(conn, member_tiers, member_tiers.c.member_pk == pk)
    salt = await conn.scalar(select(member_salts.c.salt).where(member_salts.c.member_pk == pk))
    return {
        "format": FORMAT,
        "memberId": member.member_id,
        "account": {
            "memberId": member.member_id,
            "custodialAddress": member.custodial_address,
            "walletAddress": member.wallet_address,
            "walletLinkedDate": _plain("", member.wallet_linked_at),
            "receivingAddress": member.receiving_address,
            "balance": t.balance,
            "earned": t.earned,
            "adjusted": t.adjusted,
            "redeemed": t.redeemed,
            "expired": t.expired,
            "reversed": t.reversed,
            "debt": t.debt,
            "revision": member.revision,
            "lastActivityDate": _plain("", member.last_activity_at),
            "createdDate": _plain("", member.created_at),
        },
        "contact": contact[0] if contact else None,
        "tier": tier[0] if tier else None,
        "proofSalt": bytes(salt).hex() if salt is not None else None,
        "ledgerEntries": await _rows(conn, ledger_entries, ledger_entries.c.member_pk == pk),
        "chainRequests": await _rows(
            conn, chain_requests, chain_requests.c.member_id == member.member_id
        ),
        "redemptions": await _rows(conn, redemptions, redemptions.c.member_pk == pk),
        "orders": await _rows(conn, orders, orders.c.member_pk == pk),
        "inboundEvents": await _rows(conn, inbound_events, inbound_events.c.member_pk == pk),
        "walletChallenges": await _rows(
            conn, wallet_challenges, wallet_challenges.c.member_pk == pk
        ),
        "walletLinks": await _rows(conn, wallet_links, wallet_links.c.member_pk == pk),
        "heldPoints": await _rows(conn, held_points, held_points.c.member_pk == pk),
        "referralCodes": await _rows(conn, referral_codes, referral_codes.c.member_pk == pk),
        "referrals": await _rows(
            conn, referrals, or_(referrals.c.referrer_pk == pk, referrals.c.friend_pk == pk)
        ),
        "notifications": await _rows(
            conn, notifications, notifications.c.member_id == member.member_id
        ),
        "auditLog": await _rows(
            conn,
            audit_log,
            audit_log.c.kind.in_(("adjustment", "erasure")),
            or_(
                audit_log.c.entity_id == audit_subject(pk),
                audit_log.c.entity_id == member.member_id,  # entries made before the row id
            ),
        ),
    }

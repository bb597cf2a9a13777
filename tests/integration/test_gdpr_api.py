"""GDPR over HTTP on SQLite and PostgreSQL: `exportMemberData` holds everything about the
member (and nothing about another), `eraseMember` leaves no table or column holding the member
id, the e-mail or the contact's name (a scan of every column of every table), while program
totals, analytics, the proofs audit and the hash-chained audit log stay as they were; who may
do what, and bad input refused with a typed code, changing nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, String, cast, column, func, inspect, select, table

from audit.proofs import audit_proofs
from loyalty.db.audit import audit_log
from loyalty.domain.audit import AdminChanged
from loyalty.services.api_keys import create_key
from loyalty.services.audit import Actor, append, verify
from loyalty.services.proofs import ProofBooks, current_book
from tests.integration._member_data import (
    OTHER,
    SUBJECT,
    SUBJECT_EMAIL,
    SUBJECT_NAME,
    seed,
)
from tests.integration._rules_client import Api, member_jwt, running_api

EXPORT = """query($m: String!) { exportMemberData(memberId: $m) }"""
ERASE = """mutation($m: String!, $c: String!) { eraseMember(memberId: $m, confirm: $c) {
  pseudonym scrubbed legacyAuditEntries } }"""
TOTALS = """{ programTotals { members balance earned adjusted redeemed expired reversed debt
  held pending } }"""
ANALYTICS = """{ analytics(from: "2000-01-01", to: "2000-12-31") { from }
  today: analytics { pointsIssuedPerDay { day issued adjusted redeemed refunded reversed
    expired netChange } membersPerTier { tierId members } liability { pointsOutstanding } } }"""
ACCOUNT = """query($m: String!) { account(memberId: $m) { memberId points { balance } } }"""
CHALLENGE = """mutation($m: String!) { walletLinkChallenge(memberId: $m) { message } }"""
AUDIT = """query($f: AuditLogFilter) { auditLog(filter: $f, first: 100) {
  nodes { seq kind entityId action after } } }"""
ADJUST = """mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { transactionId } }"""

BULK = """mutation($i: BulkAdjustPointsInput!) { bulkAdjustPoints(input: $i) { id } }"""
JOB = """query($id: ID!) { job(id: $id) { state errors } }"""

NEEDLES = (SUBJECT, SUBJECT_EMAIL, SUBJECT_NAME)


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(database_url, tmp_path, notify_webhook_allow_private=True) as running:
        await seed(running)
        challenge = (await running.ok(CHALLENGE, {"m": SUBJECT}))["walletLinkChallenge"]
        assert SUBJECT in challenge["message"]  # so the scan below means something
        # an adjustment whose idempotency key and reason name the member
        adjust = {
            "memberId": SUBJECT,
            "idempotencyKey": f"adj-{SUBJECT}",
            "reason": f"goodwill for {SUBJECT_NAME}",
            "amount": 3,
        }
        await running.ok(ADJUST, {"i": adjust})
        # a bulk adjustment naming the member: refused for them (balance 3), done for OTHER
        bulk = {
            "idempotencyKey": "bulk-1",
            "amount": -10,
            "reason": "correction",
            "memberIds": [SUBJECT, OTHER],
        }
        job = (await running.ok(BULK, {"i": bulk}))["bulkAdjustPoints"]["id"]
        for _ in range(400):
            state = (await running.ok(JOB, {"id": job}))["job"]
            if state["state"] in ("DONE", "FAILED"):
                break
            await asyncio.sleep(0.05)
        assert (state["state"], state["errors"]) == ("DONE", 1), state
        # a bulk adjustment whose filter an admin typed with the member's e-mail: its audit
        # entry (and the job's parameters) hold it
        search = {
            "idempotencyKey": "bulk-2",
            "amount": -10,
            "reason": "correction",
            "filter": {"search": SUBJECT_EMAIL.lower()},
        }
        job = (await running.ok(BULK, {"i": search}))["bulkAdjustPoints"]["id"]
        for _ in range(400):
            state = (await running.ok(JOB, {"id": job}))["job"]
            if state["state"] in ("DONE", "FAILED"):
                break
            await asyncio.sleep(0.05)
        # an entry as adjustments were logged before entries named members by row id only:
        # the member id as entity id, the key and reason (naming them) in its JSON
        async with running.runtime.async_engine.begin() as conn:
            await append(
                conn,
                AdminChanged(
                    kind="adjustment",
                    entity_id=SUBJECT,
                    action="adjust",
                    before={"balance": 0},
                    after={"idempotencyKey": f"old-{SUBJECT}", "reason": f"for {SUBJECT_NAME}"},
                    at=datetime.now(UTC),
                ),
                Actor(None, "an older version"),
            )
        yield running


def holders(engine: Engine, needles: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every column of every table whose text holds a needle
    (case-insensitive), whatever its type."""
    found = []
    with engine.connect() as conn:
        for name in inspect(conn).get_table_names():
            for col in inspect(conn).get_columns(name):
                for needle in needles:
                    c = column(col["name"])
                    text = func.lower(cast(c, String))
                    hits = conn.scalar(
                        select(func.count())
                        .select_from(table(name, c))
                        .where(text.like(f"%{needle.lower()}%"))
                    )
                    if hits:
                        found.append((name, col["name"], needle))
    return found


async def books(api: Api) -> dict[str, Any]:
    await current_book(api.runtime.unit_of_work(), ProofBooks())  # gives every member a salt
    proofs = audit_proofs(api.runtime.engine)
    assert proofs.clean, proofs.findings
    async with api.runtime.async_engine.connect() as conn:
        chain = await verify(conn)
    return {
        "totals": (await api.ok(TOTALS))["programTotals"],
        "analytics": (await api.ok(ANALYTICS))["today"],
        "proofs": (proofs.clean, proofs.members, proofs.total_balance, proofs.total_debt),
        "auditLogBroken": chain.broken,
    }


async def test_erasure_leaves_no_trace_and_the_books_unchanged(api: Api) -> None:
    engine = api.runtime.engine
    before = holders(engine, NEEDLES)
    # the seed put the member's data in many places: the scan finds them
    assert {t for t, _, _ in before} >= {
        "members",
        "member_contacts",
        "notifications",
        "chain_requests",
        "inbound_events",
        "wallet_challenges",
        "ledger_entries",
        "redemptions",
        "job_errors",
        "jobs",
        "audit_log",
    }, before
    books_before = await books(api)
    assert books_before["proofs"][0] and books_before["auditLogBroken"] is None

    erased = (await api.ok(ERASE, {"m": SUBJECT, "c": SUBJECT}))["eraseMember"]
    pseudonym = erased["pseudonym"]
    assert pseudonym.startswith("erased-") and SUBJECT not in pseudonym
    assert erased["legacyAuditEntries"] == 1
    assert erased["scrubbed"]["member_contacts"] == 1
    assert erased["scrubbed"]["audit_log"] == 2  # the legacy entry and the search filter's

    assert holders(engine, NEEDLES) == []
    after = await books(api)
    assert after["totals"] == books_before["totals"]
    assert after["analytics"] == books_before["analytics"]
    assert after["proofs"] == books_before["proofs"]  # clean, same members, same sums
    assert after["auditLogBroken"] is None  # the chain holds, with the erasure appended

    # the account lives on under the pseudonym only
    error = await api.error(ACCOUNT, {"m": SUBJECT})
    assert error["extensions"]["code"] == "NOT_FOUND"
    account = (await api.ok(ACCOUNT, {"m": pseudonym}))["account"]
    assert account["points"]["balance"] == 3
    document = (await api.ok(EXPORT, {"m": pseudonym}))["exportMemberData"]
    assert document["contact"] is None and document["notifications"] == []
    assert len(document["ledgerEntries"]) == 5  # EARN, REDEEM, REVERSE, EARN, ADJUST
    log = (await api.ok(AUDIT, {"f": {"memberId": pseudonym}}))["auditLog"]["nodes"]
    assert [(e["kind"], e["action"]) for e in log] == [
        ("ERASURE", "erase"),
        ("ADJUSTMENT", "adjust"),  # the legacy entry, now by row reference
        ("ADJUSTMENT", "adjust"),
    ]
    subject = f"member:{account_pk(api, pseudonym)}"
    assert {e["entityId"] for e in log} == {subject}
    assert log[1]["after"] == {"idempotencyKey": f"old-{pseudonym}", "reason": "for [erased]"}
    # the other member is untouched
    assert (await api.ok(ACCOUNT, {"m": OTHER}))["account"]["points"]["balance"] == 45
    # erasing again: the id is gone (NOT_FOUND); the pseudonym is refused
    error = await api.error(ERASE, {"m": SUBJECT, "c": SUBJECT})
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await api.error(ERASE, {"m": pseudonym, "c": pseudonym})
    assert error["extensions"] == {"code": "VALIDATION", "field": "memberId"}


async def test_redacted_audit_entries_still_detect_tampering(api: Api) -> None:
    await api.ok(ERASE, {"m": SUBJECT, "c": SUBJECT})
    engine = api.runtime.engine
    with engine.connect() as conn:
        rows = conn.execute(
            select(audit_log.c.seq, audit_log.c.kind, audit_log.c.after).order_by(audit_log.c.seq)
        ).all()
    erasure = rows[-1]
    assert erasure.kind == "erasure"
    recorded = json.loads(erasure.after)["redacted"]
    assert len(recorded) == 2 and all(r["intact"] for r in recorded)
    legacy = recorded[-1]["seq"]
    async with api.runtime.async_engine.connect() as conn:
        assert (await verify(conn)).broken is None
    # editing a redacted entry breaks the chain at it, as at any entry
    with engine.begin() as conn:
        conn.execute(
            audit_log.update().where(audit_log.c.seq == legacy).values(before='{"balance":9}')
        )
    async with api.runtime.async_engine.connect() as conn:
        broken = (await verify(conn)).broken
    assert broken is not None and broken.seq == legacy, broken
    with engine.begin() as conn:
        conn.execute(
            audit_log.update().where(audit_log.c.seq == legacy).values(before='{"balance":0}')
        )
        # so does editing what the erasure recorded (its own hash covers it): here, pointing
        # the record at the tampered content
        forged = json.loads(erasure.after)
        forged["redacted"][-1]["hash"] = "0" * 64
        conn.execute(
            audit_log.update()
            .where(audit_log.c.seq == erasure.seq)
            .values(after=json.dumps(forged, sort_keys=True, separators=(",", ":")))
        )
    async with api.runtime.async_engine.connect() as conn:
        broken = (await verify(conn)).broken
    assert broken is not None and broken.seq == legacy  # the forged record no longer matches


def account_pk(api: Api, member_id: str) -> int:
    from loyalty.db.ledger import members

    with api.runtime.engine.connect() as conn:
        return int(conn.scalar(select(members.c.id).where(members.c.member_id == member_id)))


async def test_export_holds_everything_about_the_member_and_nothing_else(api: Api) -> None:
    document = (await api.ok(EXPORT, {"m": SUBJECT}, token=member_jwt(SUBJECT)))["exportMemberData"]
    assert document["format"] == "loyalty.member-data/1" and document["memberId"] == SUBJECT
    assert document["contact"]["email"] == SUBJECT_EMAIL
    assert document["contact"]["name"] == SUBJECT_NAME
    assert document["contact"]["birthday"] == "1990-06-15"
    assert document["account"]["balance"] == 3 and document["account"]["debt"] == 30
    types = [e["type"] for e in document["ledgerEntries"]]
    assert types == ["EARN", "REDEEM", "REVERSE", "EARN", "ADJUST"]
    assert [r["cost_in_points"] for r in document["redemptions"]] == [50]
    assert sorted(o["order_key"] for o in document["orders"]) == ["o-1", "o-3"]
    assert len(document["walletChallenges"]) == 1 and "proofSalt" in document  # None: no proof yet
    assert {n["event_type"] for n in document["notifications"]} >= {"points.earned"}
    assert all(n["payload"]["data"]["memberId"] == SUBJECT for n in document["notifications"])
    assert len(document["inboundEvents"]) >= 4 and document["chainRequests"]
    assert document["heldPoints"] == [] and document["referrals"] == []
    assert all(
        c["member_pk"] == document["ledgerEntries"][0]["member_pk"]
        for c in document["referralCodes"]
    )
    # the adjustment by row reference, and the legacy entry naming the member id
    assert [e["action"] for e in document["auditLog"]] == ["adjust", "adjust"]
    assert "idempotencyKey" not in document["auditLog"][0]["after"]
    assert document["auditLog"][1]["entity_id"] == SUBJECT
    text = str(document)
    assert OTHER not in text and "bystander" not in text


async def test_who_may_export_and_erase(api: Api) -> None:
    with api.runtime.engine.begin() as conn:
        auditor, _ = create_key(conn, role="auditor", name="dpo")
    assert (await api.ok(EXPORT, {"m": SUBJECT}, token=auditor))["exportMemberData"]
    for token, code in (
        (member_jwt(OTHER), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ):
        assert (await api.error(EXPORT, {"m": SUBJECT}, token=token))["extensions"]["code"] == code
    for token, code in (
        (auditor, "FORBIDDEN"),
        (member_jwt(SUBJECT), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ):
        error = await api.error(ERASE, {"m": SUBJECT, "c": SUBJECT}, token=token)
        assert error["extensions"]["code"] == code
    assert holders(api.runtime.engine, (SUBJECT,))  # nothing erased


async def test_bad_input_changes_nothing(api: Api) -> None:
    engine = api.runtime.engine
    before = holders(engine, NEEDLES)
    cases = [
        ({"m": SUBJECT, "c": SUBJECT.upper()}, "VALIDATION", "confirm"),
        ({"m": SUBJECT, "c": ""}, "VALIDATION", "confirm"),
        ({"m": "nobody", "c": "nobody"}, "NOT_FOUND", "memberId"),
        ({"m": "", "c": ""}, "VALIDATION", "memberId"),
        ({"m": "x" * 300, "c": "x" * 300}, "VALIDATION", "memberId"),
    ]
    for variables, code, field in cases:
        error = await api.error(ERASE, variables)
        assert error["extensions"] == {"code": code, "field": field}, variables
    for member, code in (("nobody", "NOT_FOUND"), ("", "VALIDATION")):
        error = await api.error(EXPORT, {"m": member})
        assert error["extensions"]["code"] == code
    for f, code in (
        ({"memberId": "nobody"}, "NOT_FOUND"),
        ({"memberId": SUBJECT, "entityId": "member:1"}, "VALIDATION"),
    ):
        error = await api.error(AUDIT, {"f": f})
        assert error["extensions"] == {"code": code, "field": "memberId"}, f
    assert holders(engine, NEEDLES) == before

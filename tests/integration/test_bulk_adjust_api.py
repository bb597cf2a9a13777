"""bulkAdjustPoints on SQLite and PostgreSQL: a job over an accounts filter or a list of member
ids; each member adjusted exactly once (the same key again, a second runner), its mint in the
outbox, progress and refused members readable through job(id) by admins and auditors only,
bad input refused with nothing written."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from loyalty.db.jobs import jobs
from loyalty.db.ledger import ledger_entries, members
from loyalty.db.outbox import chain_requests
from loyalty.db.program import member_tiers
from loyalty.services import job_kinds
from loyalty.services.api_keys import create_key
from loyalty.services.audit import Actor, acting_as
from loyalty.services.bulk_adjust import BulkAdjustInput, start_bulk_adjust
from loyalty.services.member_list import AccountFilter
from tests.integration._rules_client import ADMIN_KEY, Api, member_jwt, running_api

BULK = """mutation($i: BulkAdjustPointsInput!) { bulkAdjustPoints(input: $i) {
  id kind state total processed errors idempotencyKey } }"""
JOB = """query($id: ID!) { job(id: $id) { id kind state total processed errors message createdBy
  errorItems { row field reason memberId } } }"""


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> Any:
    async with running_api(database_url, tmp_path) as running:
        yield running


async def seed(api: Api, n: int, *, gold_every: int = 0) -> str | None:
    """Members m001… with balance 10·i; every `gold_every`-th in a Gold tier."""
    gold = await api.add_tier(100) if gold_every else None
    async with api.runtime.async_engine.begin() as conn:
        for i in range(1, n + 1):
            pk = (
                await conn.execute(
                    members.insert()
                    .values(
                        member_id=f"m{i:03d}",
                        custodial_address=f"0x{i:040x}",
                        earned=10 * i,
                        created_at=func.now(),
                        updated_at=func.now(),
                    )
                    .returning(members.c.id)
                )
            ).scalar_one()
            if gold_every and i % gold_every == 0:
                await conn.execute(
                    member_tiers.insert().values(
                        member_pk=pk, tier_id=gold, tier_points=10 * i, updated_at=func.now()
                    )
                )
    return gold


async def wait_done(api: Api, job_id: str, token: str = ADMIN_KEY) -> dict[str, Any]:
    for _ in range(400):
        job = (await api.ok(JOB, {"id": job_id}, token))["job"]
        if job["state"] in ("DONE", "FAILED"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


async def balances(api: Api) -> dict[str, int]:
    c = members.c
    async with api.runtime.async_engine.connect() as conn:
        rows = await conn.execute(
            select(c.member_id, c.earned + c.adjusted - c.redeemed - c.expired - c.reversed)
        )
        return dict(rows.all())


async def test_filter_adjusts_each_matching_member_once(api: Api) -> None:
    gold = await seed(api, 30, gold_every=3)
    before = await balances(api)
    started = (
        await api.ok(
            BULK,
            {
                "i": {
                    "idempotencyKey": "gold-500",
                    "amount": 500,
                    "reason": "Gold gift",
                    "filter": {"tierId": gold},
                }
            },
        )
    )["bulkAdjustPoints"]
    assert started["kind"] == "BULK_ADJUST" and started["total"] == 10
    job = await wait_done(api, started["id"])
    assert job["state"] == "DONE" and job["processed"] == 10 and job["errors"] == 0
    assert job["createdBy"] == "admin key bootstrap"
    after = await balances(api)
    for i in range(1, 31):
        mid = f"m{i:03d}"
        assert after[mid] == before[mid] + (500 if i % 3 == 0 else 0), mid
    # The same key again: the same job, nothing twice.
    again = (
        await api.ok(
            BULK,
            {
                "i": {
                    "idempotencyKey": "gold-500",
                    "amount": 500,
                    "reason": "Gold gift",
                    "filter": {"tierId": gold},
                }
            },
        )
    )["bulkAdjustPoints"]
    assert again["id"] == started["id"] and again["state"] == "DONE"
    assert await balances(api) == after
    async with api.runtime.async_engine.connect() as conn:
        entries = (
            await conn.execute(
                select(ledger_entries.c.business_key, ledger_entries.c.points).where(
                    ledger_entries.c.type == "ADJUST"
                )
            )
        ).all()
        mints = await conn.scalar(
            select(func.count()).select_from(chain_requests).where(chain_requests.c.kind == "MINT")
        )
    assert len(entries) == 10 and all(p == 500 for _, p in entries)
    assert len({k for k, _ in entries}) == 10
    assert mints == 10


async def test_member_ids_and_refused_members(api: Api) -> None:
    await seed(api, 5)
    ids = ["m001", "m002", "m003", "m004", "m005"]
    started = (
        await api.ok(
            BULK,
            {
                "i": {
                    "idempotencyKey": "take-25",
                    "amount": -25,
                    "reason": "Correction",
                    "memberIds": ids,
                }
            },
        )
    )["bulkAdjustPoints"]
    job = await wait_done(api, started["id"])
    # m001 (10) and m002 (20) cannot lose 25: skipped and listed; the others adjusted.
    assert (job["state"], job["processed"], job["errors"], job["total"]) == ("DONE", 3, 2, 5)
    assert [(e["memberId"], e["field"]) for e in job["errorItems"]] == [
        ("m001", "amount"),
        ("m002", "amount"),
    ]
    assert "below zero" in job["errorItems"][0]["reason"]
    after = await balances(api)
    assert after == {"m001": 10, "m002": 20, "m003": 5, "m004": 15, "m005": 25}


async def test_a_second_runner_and_a_rerun_adjust_nobody_twice(api: Api) -> None:
    await seed(api, 40)
    uow = api.runtime.unit_of_work
    job, created = await start_bulk_adjust(
        uow(),
        BulkAdjustInput("everyone-7", 7, "Seven for all", filter=AccountFilter()),
    )
    assert created and job.total == 40

    def custody() -> Any:
        raise AssertionError("a bulk adjustment derives no address")

    # Two runners at once, in small batches, then a third run of the finished job.
    done = await asyncio.gather(
        job_kinds.run(uow, job.id, custody=custody, batch=3),
        job_kinds.run(uow, job.id, custody=custody, batch=4),
    )
    assert all(d.state == "DONE" for d in done)
    await job_kinds.run(uow, job.id, custody=custody, batch=3)
    after = await balances(api)
    assert after == {f"m{i:03d}": 10 * i + 7 for i in range(1, 41)}
    async with api.runtime.async_engine.connect() as conn:
        row = (await conn.execute(select(jobs).where(jobs.c.id == job.id))).one()
    assert (row.processed, row.errors, row.cursor) == (40, 0, 40)


async def test_bad_input_changes_nothing(api: Api) -> None:
    await seed(api, 3)
    before = await balances(api)
    cases = [
        ({"amount": 0, "memberIds": ["m001"]}, "VALIDATION", "amount"),
        ({"amount": 10_000_000, "memberIds": ["m001"]}, "VALIDATION", "amount"),
        ({"amount": 5}, "VALIDATION", "memberIds"),
        ({"amount": 5, "memberIds": ["m001"], "filter": {}}, "VALIDATION", "memberIds"),
        ({"amount": 5, "memberIds": []}, "VALIDATION", "memberIds"),
        ({"amount": 5, "memberIds": ["m001", "nobody"]}, "NOT_FOUND", "memberIds"),
        ({"amount": 5, "filter": {"tierId": "no-such-tier"}}, "NOT_FOUND", "tierId"),
        ({"amount": 5, "filter": {"minBalance": 9, "maxBalance": 1}}, "VALIDATION", "minBalance"),
        ({"amount": 5, "memberIds": ["m001"], "reason": ""}, "VALIDATION", "reason"),
        (
            {"amount": 5, "memberIds": ["m001"], "idempotencyKey": ""},
            "VALIDATION",
            "idempotencyKey",
        ),
    ]
    for changes, code, field in cases:
        inp = {"idempotencyKey": "k", "reason": "r", **changes}
        error = await api.error(BULK, {"i": inp})
        assert error["extensions"]["code"] == code, (changes, error)
        assert error["extensions"].get("field") == field, (changes, error)
    # A key reused for another request is a DUPLICATE.
    once = await api.ok(
        BULK, {"i": {"idempotencyKey": "once", "amount": 1, "reason": "r", "memberIds": ["m001"]}}
    )
    error = await api.error(
        BULK, {"i": {"idempotencyKey": "once", "amount": 2, "reason": "r", "memberIds": ["m001"]}}
    )
    assert error["extensions"]["code"] == "DUPLICATE"
    await wait_done(api, once["bulkAdjustPoints"]["id"])
    after = await balances(api)
    assert after == {**before, "m001": before["m001"] + 1}
    async with api.runtime.async_engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(jobs)) == 1


async def test_who_may_adjust_and_read_jobs(api: Api) -> None:
    await seed(api, 2)
    with api.runtime.engine.begin() as conn, acting_as(Actor(None, "test setup")):
        auditor, _ = create_key(conn, role="auditor", name="audit")
    inp = {"i": {"idempotencyKey": "k", "amount": 1, "reason": "r", "memberIds": ["m001"]}}
    for token, code in (
        (auditor, "FORBIDDEN"),
        (member_jwt("m001"), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ):
        assert (await api.error(BULK, inp, token))["extensions"]["code"] == code
    job_id = (await api.ok(BULK, inp))["bulkAdjustPoints"]["id"]
    job = await wait_done(api, job_id, auditor)  # auditors read jobs
    assert job["processed"] == 1
    for token, code in ((member_jwt("m001"), "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        assert (await api.error(JOB, {"id": job_id}, token))["extensions"]["code"] == code
    for bad in ("999999", "x", "-1", "1" * 40):
        assert (await api.error(JOB, {"id": bad}))["extensions"]["code"] == "NOT_FOUND"


async def test_a_paused_program_refuses_a_bulk_adjustment(api: Api) -> None:
    await seed(api, 2)
    rev = (await api.ok("{ loyaltyProgram { revision } }"))["loyaltyProgram"]["revision"]
    await api.ok(
        "mutation($rev: Long!) { pauseLoyaltyProgram(revision: $rev) { status } }", {"rev": rev}
    )
    inp = {"i": {"idempotencyKey": "k", "amount": 1, "reason": "r", "memberIds": ["m001"]}}
    assert (await api.error(BULK, inp))["extensions"]["code"] == "PROGRAM_NOT_ACTIVE"
    async with api.runtime.async_engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(jobs)) == 0

"""Importing an existing program on SQLite and PostgreSQL, through POST /import (multipart or
a plain body) and `loyalty import`: every bad row reported (row, field, reason) with nothing
applied; a clean file imported once (members, totals, e-mails, tiers, IMPORT entries and their
mints, the audit log), the same file again importing nothing; dry runs; who may upload."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from loyalty.db.audit import audit_log
from loyalty.db.jobs import import_rows, jobs
from loyalty.db.ledger import ledger_entries, members
from loyalty.db.outbox import chain_requests
from loyalty.db.program import member_contacts, member_tiers
from loyalty.services.api_keys import create_key
from loyalty.services.audit import Actor, acting_as
from tests.integration._rules_client import ADMIN_KEY, Api, member_jwt, running_api
from tests.support.cli import run_cli

HEADER = "external_id,email,wallet_address,balance,earned,tier,last_activity"
CHECKSUMMED = "0x52908400098527886E0F7030069857D2E4169EE7"
JOB = """query($id: ID!) { job(id: $id) { id kind state total processed errors } }"""


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> Any:
    async with running_api(database_url, tmp_path) as running:
        yield running


async def upload(
    api: Api,
    data: bytes,
    *,
    token: str | None = ADMIN_KEY,
    name: str = "members.csv",
    **params: str,
) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await api.client.post(
        "/import", params=params, files={"file": (name, data, "text/csv")}, headers=headers
    )


async def count(api: Api, table: Any) -> int:
    async with api.runtime.async_engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)) or 0)


async def nothing_applied(api: Api) -> None:
    for table in (members, ledger_entries, chain_requests, member_contacts, import_rows):
        assert await count(api, table) == 0, table.name


async def wait_done(api: Api, job_id: str) -> dict[str, Any]:
    for _ in range(400):
        job = (await api.ok(JOB, {"id": job_id}))["job"]
        if job["state"] in ("DONE", "FAILED"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(job)


BAD_ROWS = [
    # (line, the (field, reason fragment) it must be refused for)
    ("ok1,a@x.io,,10,20,,2025-01-01", None),
    ("ok1,,,5,,,", ("externalId", "duplicate externalId (first at row 1)")),
    ("neg,,,-5,,,", ("balance", "negative")),
    ("float,,,1.5,,,", ("balance", "whole number")),
    ("word,,,ten,,,", ("balance", "whole number")),
    ("negearned,,,5,-1,,", ("earned", "negative")),
    ("badaddr,,0x1234,5,,,", ("walletAddress", "40 hex digits")),
    ("badsum,,0x52908400098527886E0F7030069857D2E4169Ee7,5,,,", ("walletAddress", "checksum")),
    (f"dupaddr1,,{CHECKSUMMED},5,,,", None),
    (f"dupaddr2,,{CHECKSUMMED.lower()},5,,,", ("walletAddress", "duplicate walletAddress")),
    ("bademail,not-an-email,,5,,,", ("email", "not an e-mail")),
    ("badtier,,,5,,Platinum,", ("tier", "no tier")),
    ("baddate,,,5,,,yesterday", ("lastActivity", "ISO 8601")),
    ("future,,,5,,,2100-01-01", ("lastActivity", "future")),
    ("nozone,,,5,,,2025-01-01T10:00:00", ("lastActivity", "time zone")),
    ("short,,5", ("row", "expected 7 fields")),
    ('"quoted, with comma","q""uote@x.io",,5,,,', None),
    ('"multi\nline",,,5,,,', ("externalId", "control characters")),
    ('stray"quote,,,5,,,', None),  # a quote inside an unquoted field is data (RFC 4180 readers)
    ('"unclosed"x,,,5,,,', ("row", "not valid CSV")),
    ("long," + "x" * 10_000 + "@x.io,,5,,,", ("email", "at most 254")),
    ("x" * 10_000 + ",,,5,,,", ("externalId", "1-256")),
    ("exists,,,5,,,", ("externalId", "exists already")),
]


def bad_file() -> bytes:
    lines = [HEADER] + [line for line, _ in BAD_ROWS]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()  # BOM and CRLF


def expected_errors() -> list[tuple[int, str]]:
    return [(row, e[0]) for row, (_, e) in enumerate(BAD_ROWS, start=1) if e is not None]


async def test_every_bad_row_is_reported_and_nothing_applied(api: Api, tmp_path: Path) -> None:
    async with api.runtime.async_engine.begin() as conn:
        await conn.execute(
            members.insert().values(
                member_id="exists", created_at=func.now(), updated_at=func.now()
            )
        )
    reply = await upload(api, bad_file())
    assert reply.status_code == 422, reply.text
    body = reply.json()
    got = [(e["row"], e["field"]) for e in body["errorItems"]]
    assert got == expected_errors()
    for e, (_line, expected) in zip(
        body["errorItems"], [b for b in BAD_ROWS if b[1] is not None], strict=True
    ):
        assert expected is not None and expected[1] in e["reason"], (e, expected)
    assert body["report"]["rows"] == len(BAD_ROWS)
    assert body["job"]["state"] == "FAILED"
    assert await count(api, members) == 1  # only the one that was there
    for table in (ledger_entries, chain_requests, member_contacts, import_rows):
        assert await count(api, table) == 0
    # The error file, for admins and auditors.
    with api.runtime.engine.begin() as conn, acting_as(Actor(None, "test setup")):
        auditor, _ = create_key(conn, role="auditor", name="audit")
    file = await api.client.get(body["errorsUrl"], headers={"Authorization": f"Bearer {auditor}"})
    assert file.status_code == 200
    rows = list(csv.DictReader(io.StringIO(file.text)))
    assert [(int(r["row"]), r["field"]) for r in rows] == expected_errors()
    # The same file again: the same refusal, still nothing applied.
    again = await upload(api, bad_file())
    assert again.status_code == 422 and again.json()["job"]["id"] == body["job"]["id"]
    # The CLI says the same, and writes the error file.
    cli_file = tmp_path / "bad.csv"
    cli_file.write_bytes(bad_file())
    env = {"LOYALTY_DATABASE_URL": api.runtime.settings.database_url}
    result = run_cli(tmp_path, env, "import", str(cli_file), "--key", "cli-bad", process=True)
    assert result.returncode == 1, result
    written = list(csv.DictReader((tmp_path / "bad.csv.errors.csv").open()))
    assert [(int(r["row"]), r["field"]) for r in written] == expected_errors()
    assert "nothing was imported" in result.stderr
    assert await count(api, members) == 1


def clean_file(n: int, tier: str | None = None) -> bytes:
    lines = [HEADER]
    for i in range(1, n + 1):
        wallet = f"0x{0xBEEF0000 + i:040x}" if i % 4 == 0 else ""
        email = f"m{i}@shop.example" if i % 2 else ""
        t = (tier or "") if i % 3 == 0 else ""
        balance = 0 if i == 5 else 10 * i
        lines.append(f"m{i:04d},{email},{wallet},{balance},{15 * i},{t},2025-06-0{1 + i % 9}")
    return ("\n".join(lines) + "\n").encode()


async def test_a_clean_file_is_imported_once(api: Api) -> None:
    gold = await api.add_tier(100, name="Gold")
    data = clean_file(300, tier="gold")
    reply = await upload(api, data)
    assert reply.status_code == 202, reply.text
    job_id = reply.json()["job"]["id"]
    job = await wait_done(api, job_id)
    assert (job["kind"], job["state"], job["processed"], job["total"]) == (
        "IMPORT",
        "DONE",
        300,
        300,
    )
    async with api.runtime.async_engine.connect() as conn:
        c = members.c
        rows = {r.member_id: r for r in (await conn.execute(select(members))).all()}
        assert len(rows) == 300
        m3, m4, m5 = rows["m0003"], rows["m0004"], rows["m0005"]
        assert (m3.earned, m3.earned + m3.adjusted - m3.redeemed) == (45, 30)
        assert m4.wallet_address == f"0x{0xBEEF0004:040x}" and m4.custodial_address
        assert m5.earned + m5.adjusted - m5.redeemed == 0
        assert m3.last_activity_at is not None
        entries = (
            await conn.execute(
                select(ledger_entries.c.type, ledger_entries.c.points, members.c.member_id).join(
                    members, members.c.id == ledger_entries.c.member_pk
                )
            )
        ).all()
        assert {e.type for e in entries} == {"IMPORT"} and len(entries) == 299  # m0005: 0
        mints = (await conn.execute(select(chain_requests))).all()
        assert len(mints) == 299 and {m.kind for m in mints} == {"MINT"}
        assert sum(m.amount for m in mints) == sum(e.points for e in entries)
        assert next(m.address for m in mints if m.member_id == "m0004") == m4.wallet_address
        emails = dict(
            (await conn.execute(select(member_contacts.c.member_id, member_contacts.c.email))).all()
        )
        assert len(emails) == 150 and emails["m0001"] == "m1@shop.example"
        tiered = (await conn.execute(select(member_tiers.c.tier_id))).scalars().all()
        assert len(tiered) == 100 and set(tiered) == {gold}
        audit = (
            await conn.execute(
                select(audit_log.c.kind, audit_log.c.action, audit_log.c.after).where(
                    audit_log.c.kind == "import"
                )
            )
        ).all()
        assert await conn.scalar(select(func.count()).select_from(import_rows)) == 0
    assert [a.action for a in audit] == ["create", "done"]
    assert json.loads(audit[0].after)["valid"] == 300
    assert c is not None
    # The same file again: the same job, nothing twice.
    again = await upload(api, data)
    assert again.status_code == 200 and again.json()["job"]["id"] == job_id
    assert await count(api, members) == 300 and await count(api, ledger_entries) == 299
    # A new file naming an imported member is refused whole.
    overlap = (HEADER + "\nm0001,,,5,,,\nnew1,,,5,,,\n").encode()
    refused = await upload(api, overlap)
    assert refused.status_code == 422
    assert [(e["row"], e["field"]) for e in refused.json()["errorItems"]] == [(1, "externalId")]
    assert await count(api, members) == 300


async def test_ndjson_dry_run_and_the_cli(api: Api, tmp_path: Path) -> None:
    lines = [
        {"externalId": "n1", "balance": 7, "email": "n1@x.io"},
        {"external_id": "n2", "balance": 3, "earned": 9, "lastActivity": "2025-02-03T04:05:06Z"},
    ]
    data = "".join(json.dumps(x) + "\n" for x in lines).encode()
    dry = await upload(api, data, name="m.ndjson", dryRun="true")
    assert dry.status_code == 200 and dry.json()["report"]["valid"] == 2
    assert "job" not in dry.json()
    await nothing_applied(api)
    assert await count(api, jobs) == 0
    bad = (
        b'{"externalId": "n3", "balance": "7"}\n[1]\n{"externalId": "n4", "balance": 1.0}\n'
        b'{"balance": 1}\n{"externalId": "n5", "balance": 1, "colour": "red"}\nnot json\n'
    )
    refused = await upload(api, bad, name="m.ndjson", dryRun="true")
    assert refused.status_code == 422
    assert [(e["row"], e["field"]) for e in refused.json()["errorItems"]] == [
        (1, "balance"),
        (2, "row"),
        (3, "balance"),
        (4, "externalId"),
        (5, "colour"),
        (6, "row"),
    ]
    await nothing_applied(api)
    path = tmp_path / "m.ndjson"
    path.write_bytes(data)
    env = {"LOYALTY_DATABASE_URL": api.runtime.settings.database_url}
    result = run_cli(tmp_path, env, "import", str(path), process=True)
    assert result.returncode == 0, result
    assert "DONE: 2 of 2" in result.stdout
    assert await count(api, members) == 2
    again = run_cli(tmp_path, env, "import", str(path), process=True)
    assert again.returncode == 0 and await count(api, ledger_entries) == 2


async def test_who_may_upload_and_bad_requests(api: Api) -> None:
    with api.runtime.engine.begin() as conn, acting_as(Actor(None, "test setup")):
        auditor, _ = create_key(conn, role="auditor", name="audit")
    data = clean_file(3)
    for token, status in (
        (auditor, 403),
        (member_jwt("m0001"), 403),
        (None, 401),
        ("lk_wrong", 401),
    ):
        reply = await upload(api, data, token=token)
        assert reply.status_code == status, (token, reply.text)
    assert (await upload(api, data, format="xml")).status_code == 400
    assert (await upload(api, data, colour="red")).status_code == 400
    assert (await upload(api, data, dryRun="maybe")).status_code == 400
    no_file = await api.client.post(
        "/import",
        data={"x": "1"},
        files={"other": ("a", b"b")},
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    )
    assert no_file.status_code == 400 and no_file.json()["error"]["field"] == "file"
    empty = await upload(api, b"")
    assert empty.status_code == 422
    await nothing_applied(api)
    # A plain body works as well as multipart.
    plain = await api.client.post(
        "/import",
        content=data,
        headers={"Authorization": f"Bearer {ADMIN_KEY}", "content-type": "text/csv"},
    )
    assert plain.status_code == 202, plain.text
    await wait_done(api, plain.json()["job"]["id"])
    assert await count(api, members) == 3

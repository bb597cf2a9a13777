"""Member proofs over HTTP (issue 17), on SQLite and PostgreSQL: memberProof for the member,
admins and auditors only; every member's proof passes the standalone verifier against one root
whose sums are the ledger's totals; after more activity the incrementally updated tree equals one
rebuilt from scratch; salts are stable; and `loyalty audit --proofs` is clean, then names the
member whose row or ledger entry was changed by hand."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from cli.main import main
from loyalty.db.ledger import ledger_entries, members
from loyalty.db.proofs import book_rows, figures, member_salts
from loyalty.domain.merkle import Book
from loyalty.services.api_keys import create_key
from tests.integration._rules_client import Api, member_jwt, running_api
from verifier import loyalty_verify

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
PROOF = """query($m: String!) { memberProof(memberId: $m) {
  version hash memberId salt slot
  leaf { commitment address balance debt }
  path { hash balance debt }
  root { hash balance debt }
  ledgerEntryId pendingChainRequests lastFinalBatch } }"""
ADJUST = """mutation($m: String!, $k: String!, $n: Int!) { adjustPoints(input:
  {memberId: $m, idempotencyKey: $k, reason: "test", amount: $n}) { amount } }"""
CREATE = """mutation($m: String!) { createMember(memberId: $m) { memberId } }"""
POINTS = {"m-1": 120, "m-2": 7, "m-3": 3_000, "m-4": 1, "m-5": 55}


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(database_url, tmp_path) as running:
        for member, points in POINTS.items():
            await running.ok(CREATE, {"m": member})
            await running.ok(ADJUST, {"m": member, "k": f"{member}-a", "n": points})
        yield running


async def proof_of(api: Api, member: str, token: str | None = None) -> dict[str, Any]:
    data = await (
        api.ok(PROOF, {"m": member}) if token is None else api.ok(PROOF, {"m": member}, token)
    )
    proof: dict[str, Any] = data["memberProof"]
    return proof


def rebuilt_root(api: Api) -> str:
    with api.runtime.engine.connect() as conn:
        book = Book(figures(row) for row in conn.execute(book_rows()))
    return "0x" + book.root.hash.hex()


async def test_every_members_proof_passes_the_standalone_verifier(api: Api) -> None:
    proofs = {m: await proof_of(api, m) for m in POINTS}
    roots = {p["root"]["hash"] for p in proofs.values()}
    assert len(roots) == 1
    (root,) = roots
    assert root == rebuilt_root(api)
    for member, proof in proofs.items():
        result = loyalty_verify.check(proof, root)
        assert (result.member_id, result.balance, result.debt) == (member, POINTS[member], 0)
        assert result.total_balance == sum(POINTS.values())
        assert proof["pendingChainRequests"] >= 0 and proof["ledgerEntryId"] is not None
        # the GraphQL reply, as is, is what the verifier reads
        assert loyalty_verify.check(
            json.loads(json.dumps({"data": {"memberProof": proof}}))["data"]["memberProof"], root
        )
    assert len({p["salt"] for p in proofs.values()}) == len(POINTS)


async def test_the_tree_follows_the_ledger_and_equals_a_rebuild(api: Api) -> None:
    before = await proof_of(api, "m-2")
    await api.ok(ADJUST, {"m": "m-2", "k": "m-2-b", "n": -5})
    await api.ok(CREATE, {"m": "m-6"})  # a newcomer
    await api.ok(ADJUST, {"m": "m-6", "k": "m-6-a", "n": 40})
    after = await proof_of(api, "m-2")
    assert after["salt"] == before["salt"] and after["slot"] == before["slot"]
    assert after["leaf"]["balance"] == "2"
    assert after["root"]["hash"] != before["root"]["hash"]
    assert after["root"]["balance"] == str(sum(POINTS.values()) - 5 + 40)
    assert after["root"]["hash"] == rebuilt_root(api)  # incremental = from scratch
    assert after["ledgerEntryId"] > before["ledgerEntryId"]
    newcomer = await proof_of(api, "m-6")
    assert loyalty_verify.check(newcomer, after["root"]["hash"]).balance == 40


async def test_who_may_read_a_proof(api: Api) -> None:
    with api.runtime.engine.begin() as conn:
        auditor, _ = create_key(conn, role="auditor", name="audit")
    assert (await proof_of(api, "m-1", member_jwt("m-1")))["memberId"] == "m-1"
    assert (await proof_of(api, "m-1", auditor))["memberId"] == "m-1"
    denied = await api.error(PROOF, {"m": "m-2"}, member_jwt("m-1"))
    assert denied["extensions"]["code"] == "FORBIDDEN"
    anonymous = await api.error(PROOF, {"m": "m-1"}, None)
    assert anonymous["extensions"]["code"] == "UNAUTHENTICATED"
    unknown = await api.error(PROOF, {"m": "nobody"})
    assert unknown["extensions"]["code"] == "NOT_FOUND"


def audit(
    api: Api, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any]]:
    monkeypatch.setenv("LOYALTY_DATABASE_URL", api.runtime.settings.database_url)
    capsys.readouterr()
    code = main(["audit", "--proofs", "--json"])
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    return code, report


async def test_audit_proofs_is_clean_then_names_the_member_changed_by_hand(
    api: Api, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served = (await proof_of(api, "m-1"))["root"]["hash"]
    code, report = audit(api, monkeypatch, capsys)
    assert (code, report["findings"]) == (0, []), report
    assert report["root"] == served
    assert report["total_balance"] == report["ledger_balance"] == str(sum(POINTS.values()))
    assert report["members"] == len(POINTS)

    with api.runtime.engine.begin() as conn:  # someone adds 1,000 points to m-3's row
        conn.execute(
            update(members)
            .where(members.c.member_id == "m-3")
            .values(adjusted=members.c.adjusted + 1000)
        )
    code, report = audit(api, monkeypatch, capsys)
    assert code == 1
    codes = {(f["code"], f["member_id"]) for f in report["findings"]}
    assert ("LEDGER_MISMATCH", "m-3") in codes and ("ROOT_SUM", None) in codes, report
    assert all(f["member_id"] in ("m-3", None) for f in report["findings"]), report

    with api.runtime.engine.begin() as conn:  # undone; now an entry of m-4 is changed instead
        conn.execute(
            update(members)
            .where(members.c.member_id == "m-3")
            .values(adjusted=members.c.adjusted - 1000)
        )
        pk = conn.execute(select(members.c.id).where(members.c.member_id == "m-4")).scalar_one()
        conn.execute(update(ledger_entries).where(ledger_entries.c.member_pk == pk).values(delta=2))
    code, report = audit(api, monkeypatch, capsys)
    assert code == 1
    assert [(f["code"], f["member_id"]) for f in report["findings"]] == [
        ("LEDGER_MISMATCH", "m-4"),
        ("ROOT_SUM", None),
    ]


async def test_a_member_without_a_salt_gets_one_and_audit_names_one_missing(
    api: Api, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await proof_of(api, "m-1")
    with api.runtime.engine.begin() as conn:
        pk = conn.execute(select(members.c.id).where(members.c.member_id == "m-5")).scalar_one()
        conn.execute(member_salts.delete().where(member_salts.c.member_pk == pk))
    code, report = audit(api, monkeypatch, capsys)
    assert code == 1 and [(f["code"], f["member_id"]) for f in report["findings"]] == [
        ("NO_SALT", "m-5"),
        ("ROOT_SUM", None),  # a member left out of the tree: the root no longer covers the ledger
    ]
    proof = await proof_of(api, "m-5")  # the service writes the missing salt first
    assert loyalty_verify.check(proof, proof["root"]["hash"]).balance == POINTS["m-5"]
    code, report = audit(api, monkeypatch, capsys)
    assert code == 0, report
    assert report["root"] == proof["root"]["hash"]  # the new salt is in the served tree too
    assert proof["root"]["hash"] == (await proof_of(api, "m-1"))["root"]["hash"]


async def test_a_member_who_joins_unsalted_after_the_build_is_found(api: Api) -> None:
    first = await proof_of(api, "m-1")
    with api.runtime.engine.begin() as conn:  # a member row written without a salt
        conn.execute(
            insert(members).values(member_id="late", adjusted=0, created_at=NOW, updated_at=NOW)
        )
    late = await proof_of(api, "late")
    assert loyalty_verify.check(late, late["root"]["hash"]).balance == 0
    assert late["root"]["hash"] != first["root"]["hash"] and late["root"]["hash"] == rebuilt_root(
        api
    )

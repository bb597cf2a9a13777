"""`importMembers(file: Upload!)` on SQLite and PostgreSQL over HTTP, by the GraphQL multipart
request spec: a clean file imported once (the same file again: the same job), a dry run and a
refused file importing nothing (the errors inline and in the error file), the CSRF preflight
header required before anything is read, admins only, and the upload's own size cap (413) while
a JSON operation on /graphql keeps the small one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from loyalty.db.ledger import ledger_entries, members
from loyalty.services.api_keys import create_key
from loyalty.services.audit import Actor, acting_as
from tests.integration._rules_client import ADMIN_KEY, Api, member_jwt, running_api
from tests.integration.test_import_api import (
    HEADER,
    clean_file,
    count,
    nothing_applied,
    wait_done,
)

IMPORT = """mutation($file: Upload!, $dryRun: Boolean!, $format: ImportFormat) {
  importMembers(file: $file, dryRun: $dryRun, format: $format) {
    report { rows valid balance wallets errors }
    errorItems { row field reason memberId }
    job { id kind state total processed errors }
    errorsUrl
  }
}"""


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
    dry_run: bool = False,
    fmt: str | None = None,
    preflight: bool = True,
) -> Any:
    """The multipart request spec: `operations` (the variables' file null), `map`, the file."""
    operations = {"query": IMPORT, "variables": {"file": None, "dryRun": dry_run, "format": fmt}}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if preflight:
        headers["Apollo-Require-Preflight"] = "true"
    return await api.client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (name, data, "text/csv")},
        headers=headers,
    )


def answer(reply: Any) -> dict[str, Any]:
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["importMembers"]
    return result


async def test_a_clean_file_is_imported_once_through_graphql(api: Api) -> None:
    data = clean_file(120)
    dry = answer(await upload(api, data, dry_run=True))
    assert dry["job"] is None and dry["errorItems"] == []
    assert (dry["report"]["rows"], dry["report"]["valid"], dry["report"]["errors"]) == (120, 120, 0)
    await nothing_applied(api)

    first = answer(await upload(api, data))
    assert first["report"]["valid"] == 120 and first["errorsUrl"] is None
    assert first["job"]["kind"] == "IMPORT" and first["job"]["state"] in ("PENDING", "RUNNING")
    job = await wait_done(api, first["job"]["id"])
    assert (job["state"], job["processed"]) == ("DONE", 120)
    assert await count(api, members) == 120 and await count(api, ledger_entries) == 119

    again = answer(await upload(api, data))
    assert again["job"]["id"] == first["job"]["id"] and again["report"] is None
    assert again["job"]["state"] == "DONE"
    assert await count(api, members) == 120 and await count(api, ledger_entries) == 119


async def test_ndjson_by_format_and_by_name(api: Api) -> None:
    rows = [{"externalId": "n1", "balance": 7}, {"externalId": "n2", "balance": 3}]
    data = "\n".join(json.dumps(r) for r in rows).encode()
    by_name = answer(await upload(api, data, name="members.ndjson", dry_run=True))
    assert by_name["report"]["valid"] == 2
    by_format = answer(await upload(api, data, name="upload", fmt="NDJSON"))
    assert (await wait_done(api, by_format["job"]["id"]))["processed"] == 2


async def test_a_refused_file_imports_nothing(api: Api) -> None:
    data = (HEADER + "\nok1,a@x.io,,10,20,,\nok1,,,5,,,\nneg,,,-5,,,\n").encode()
    refused = answer(await upload(api, data))
    assert refused["job"]["state"] == "FAILED" and refused["report"]["errors"] == 2
    assert [(e["row"], e["field"]) for e in refused["errorItems"]] == [
        (2, "externalId"),
        (3, "balance"),
    ]
    job_id = refused["job"]["id"]
    assert refused["errorsUrl"] == f"/import/{job_id}/errors.csv"
    errors = await api.client.get(
        refused["errorsUrl"], headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    )
    lines = errors.text.splitlines()
    assert errors.status_code == 200 and lines[0] == "row,field,reason,externalId"
    assert len(lines) == 3
    await nothing_applied(api)


async def test_the_preflight_header_and_the_admin_role_are_required(api: Api) -> None:
    data = clean_file(3)
    # Without the header (what an HTML form on another site could send): refused, unread.
    reply = await upload(api, data, preflight=False)
    assert reply.status_code == 400, reply.text
    assert reply.json()["errors"][0]["extensions"]["code"] == "PREFLIGHT_REQUIRED"
    with api.runtime.engine.begin() as conn, acting_as(Actor(None, "test setup")):
        auditor, _ = create_key(conn, role="auditor", name="audit")
    for token, code in (
        (auditor, "FORBIDDEN"),
        (member_jwt("m0001"), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ):
        body = (await upload(api, data, token=token)).json()
        assert body["errors"][0]["extensions"]["code"] == code, (token, body)
    await nothing_applied(api)
    # A JSON operation needs no such header (a browser cannot send one cross-site unasked).
    assert "errors" not in (await api.gql("{ token { symbol } }"))


async def test_the_upload_has_its_own_size_cap(database_url: str, tmp_path: Path) -> None:
    async with running_api(
        database_url, tmp_path, max_body_bytes=4096, import_max_bytes=16_384
    ) as api:
        big_json = await api.post("{ token { symbol } }", {"pad": "x" * 5000})
        assert big_json.status_code == 413  # the small cap stays on JSON operations
        ok = answer(await upload(api, clean_file(100), dry_run=True))  # ~5 KB: over 4096
        assert ok["report"]["valid"] == 100
        too_big = await upload(api, clean_file(400))  # ~20 KB
        assert too_big.status_code == 413, too_big.text
        assert too_big.json()["errors"][0]["extensions"]["code"] == "VALIDATION"
        assert "at most 16384 bytes" in too_big.json()["errors"][0]["message"]
        await nothing_applied(api)

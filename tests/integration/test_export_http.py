"""The export's HTTP download on SQLite and PostgreSQL: the same bytes as `loyalty export`
(CSV and NDJSON, members and transactions), the GraphQL lists' filters as query parameters,
streamed (one body chunk per keyset batch of 1,000 rows, sent as it is read), who may
download, and bad requests refused with their status and code before any row is sent."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from loyalty.db.ledger import members
from loyalty.services.api_keys import create_key
from tests.integration._member_data import OTHER, SUBJECT, SUBJECT_EMAIL, seed
from tests.integration._rules_client import ADMIN_KEY, Api, member_jwt, running_api
from tests.support.cli import run_cli

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(database_url, tmp_path) as running:
        running.ids = await seed(running, webhook_url=None)  # type: ignore[attr-defined]
        yield running


async def get(api: Api, path: str, token: str | None = ADMIN_KEY, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await api.client.get(path, params=params, headers=headers)


def cli(tmp_path: Path, api: Api, *args: str) -> str:
    url = api.runtime.settings.database_url
    result = run_cli(tmp_path, {"LOYALTY_DATABASE_URL": url}, "export", *args)
    assert result.returncode == 0, result
    return result.stdout


@pytest.mark.parametrize("what", ["members", "transactions"])
@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
async def test_same_content_as_the_cli(api: Api, tmp_path: Path, what: str, fmt: str) -> None:
    reply = await get(api, f"/export/{what}.{fmt}")
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith(
        "text/csv" if fmt == "csv" else "application/x-ndjson"
    )
    assert reply.headers["content-disposition"] == f'attachment; filename="{what}.{fmt}"'
    assert reply.text == cli(tmp_path, api, what, "--format", fmt)
    assert len(reply.text.splitlines()) == (2 if what == "members" else 7) + (fmt == "csv")


async def test_member_filters(api: Api) -> None:
    async def ids(**params: Any) -> list[str]:
        reply = await get(api, "/export/members.ndjson", **params)
        assert reply.status_code == 200, reply.text
        return [json.loads(line)["memberId"] for line in reply.text.splitlines()]

    assert await ids() == [SUBJECT, OTHER]
    assert await ids(minBalance=1) == [OTHER]
    assert await ids(maxBalance=0) == [SUBJECT]
    assert await ids(search=SUBJECT_EMAIL[:6].upper()) == [SUBJECT]  # e-mail prefix
    assert await ids(search="bystander") == [OTHER]
    assert await ids(lastActivityFrom=datetime(2999, 1, 1, tzinfo=UTC).isoformat()) == []
    rows = list(csv.DictReader(io.StringIO((await get(api, "/export/members.csv")).text)))
    assert rows[0]["email"] == SUBJECT_EMAIL and rows[0]["debt"] == "30"


async def test_transaction_filters(api: Api) -> None:
    async def types(**params: Any) -> list[tuple[str, str]]:
        reply = await get(api, "/export/transactions.ndjson", **params)
        assert reply.status_code == 200, reply.text
        return [(r["memberId"], r["type"]) for r in map(json.loads, reply.text.splitlines())]

    assert await types(memberId=OTHER) == [(OTHER, "EARN"), (OTHER, "ADJUST"), (OTHER, "ADJUST")]
    assert await types(types="redeem,REVERSE") == [(SUBJECT, "REDEEM"), (SUBJECT, "REVERSE")]
    reply = await api.client.get(
        "/export/transactions.ndjson",
        params=[("types", "REDEEM"), ("types", "ADJUST")],
        headers=ADMIN,
    )
    assert len(reply.text.splitlines()) == 3
    assert await types(orderId="o-3") == [(SUBJECT, "EARN")]
    assert len(await types(ruleId=api.ids["rule"])) == 4  # type: ignore[attr-defined]  # 3 earns, 1 reversal
    assert await types(to="2000-01-01T00:00:00Z") == []
    assert len(await types(**{"from": "2000-01-01T00:00:00+01:00"})) == 7


async def test_bad_requests_are_refused_before_any_row(api: Api) -> None:
    cases: list[tuple[str, dict[str, Any], int, str, str | None]] = [
        ("/export/members.csv", {"nope": "1"}, 400, "VALIDATION", "nope"),
        ("/export/members.csv", {"from": "2026-01-01T00:00:00Z"}, 400, "VALIDATION", "from"),
        ("/export/members.csv", {"minBalance": "ten"}, 400, "VALIDATION", "minBalance"),
        (
            "/export/members.csv",
            {"minBalance": 5, "maxBalance": 1},
            400,
            "VALIDATION",
            "minBalance",
        ),
        ("/export/members.csv", {"search": "   "}, 400, "VALIDATION", "search"),
        ("/export/members.csv", {"tierId": "no-such-tier"}, 404, "NOT_FOUND", "tierId"),
        (
            "/export/members.csv",
            {"lastActivityFrom": "2026-01-01T00:00:00"},
            400,
            "VALIDATION",
            "lastActivityFrom",
        ),
        ("/export/transactions.csv", {"memberId": "nobody"}, 404, "NOT_FOUND", "memberId"),
        ("/export/transactions.csv", {"types": "GIFT"}, 400, "VALIDATION", "types"),
        ("/export/transactions.csv", {"types": ","}, 400, "VALIDATION", "types"),
        ("/export/transactions.csv", {"from": "yesterday"}, 400, "VALIDATION", "from"),
        (
            "/export/transactions.csv",
            {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
            400,
            "VALIDATION",
            "from",
        ),
        ("/export/transactions.xml", {}, 404, "NOT_FOUND", None),
        ("/export/rules.csv", {}, 404, "NOT_FOUND", None),
    ]
    for path, params, status, code, field in cases:
        reply = await get(api, path, **params)
        assert reply.status_code == status, (path, params, reply.text)
        error = reply.json()["error"]
        assert error["code"] == code and error.get("field") == field, (path, params, error)
    reply = await api.client.get(
        "/export/members.csv", params=[("search", "a"), ("search", "b")], headers=ADMIN
    )
    assert reply.status_code == 400 and reply.json()["error"]["field"] == "search"


async def test_who_may_download(api: Api) -> None:
    with api.runtime.engine.begin() as conn:
        auditor, _ = create_key(conn, role="auditor", name="books")
    assert (await get(api, "/export/members.csv", token=auditor)).status_code == 200
    reply = await get(api, "/export/members.csv", token=member_jwt(SUBJECT))
    assert reply.status_code == 403 and reply.json()["error"]["code"] == "FORBIDDEN"
    reply = await get(api, "/export/transactions.csv", token=member_jwt(SUBJECT), memberId=SUBJECT)
    assert reply.status_code == 403
    reply = await get(api, "/export/members.csv", token=None)
    assert reply.status_code == 401 and reply.json()["error"]["code"] == "UNAUTHENTICATED"
    reply = await get(api, "/export/members.csv", token="lk_not_a_key")
    assert reply.status_code == 401


async def test_streams_one_chunk_per_batch(api: Api) -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    async with api.runtime.async_engine.begin() as conn:
        await conn.execute(
            members.insert(),
            [
                {
                    "member_id": f"bulk-{i:05d}",
                    "custodial_address": f"0x{i:040x}",
                    "earned": i,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(2500)
            ],
        )
    app = create_app(api.runtime.settings, api.runtime)
    sent: list[dict[str, Any]] = []
    done = asyncio.Event()
    calls = []

    async def receive() -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/export/members.csv",
        "raw_path": b"/export/members.csv",
        "query_string": b"",
        "root_path": "",
        "server": ("t", 80),
        "client": ("127.0.0.1", 1),
        "headers": [(b"authorization", f"Bearer {ADMIN_KEY}".encode()), (b"host", b"t")],
    }
    await asyncio.wait_for(app(scope, receive, send), 60)
    assert sent[0]["status"] == 200
    chunks = [m["body"] for m in sent if m["type"] == "http.response.body" and m["body"]]
    # the header, then 1,000 + 1,000 + 502 rows: each batch leaves as soon as it is read
    assert [chunk.count(b"\n") for chunk in chunks] == [1, 1000, 1000, 502]

"""Expected GraphQL errors (a caller's mistake, told to the caller with a stable code) are one
short log line at INFO, without a traceback and without echoing a big value; unexpected ones
(INTERNAL) stay at ERROR with their traceback."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from api.errors import LOGGED_MESSAGE_MAX
from tests.integration._rules_client import LIST, Api, member_jwt, running_api
from tests.support.databases import SqliteDatabases

LOGGER = "strawberry.execution"


@pytest.fixture
async def api(sqlite_databases: SqliteDatabases, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(sqlite_databases.fresh(), tmp_path) as running:
        yield running


def _records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER]


EXPECTED = [
    # (what, query, variables, token, code)
    ("anonymous admin read", "{ mintingStatus { outboxDepth } }", None, None, "UNAUTHENTICATED"),
    (
        "another member's account",
        'query { account(memberId: "m-2") { memberId } }',
        None,
        member_jwt("m-1"),
        "FORBIDDEN",
    ),
    ("a syntax error", "{ token { ", None, "admin", "VALIDATION"),
    ("an unknown field", "{ nope }", None, "admin", "VALIDATION"),
    ("a bad key", "{ token { symbol } }", None, "wrong-key", "UNAUTHENTICATED"),
    (
        "a missing rule",
        'mutation { deleteEarningRule(id: "r-missing", revision: 1) { id } }',
        None,
        "admin",
        "NOT_FOUND",
    ),
]


@pytest.mark.parametrize(("what", "query", "variables", "token", "code"), EXPECTED)
async def test_an_expected_error_is_one_line_at_info(
    api: Api,
    caplog: pytest.LogCaptureFixture,
    what: str,
    query: str,
    variables: dict[str, object] | None,
    token: str | None,
    code: str,
) -> None:
    kwargs = {} if token == "admin" else {"token": token}
    with caplog.at_level(logging.INFO, logger=LOGGER):
        body = await api.gql(query, variables, **kwargs)  # type: ignore[arg-type]
    assert [e["extensions"]["code"] for e in body["errors"]] == [code], body
    [record] = _records(caplog)
    assert record.levelno == logging.INFO, what
    assert record.exc_info is None and record.exc_text is None
    line = record.getMessage()
    assert line.startswith(f"GraphQL {code}") and "\n" not in line
    assert "Traceback" not in caplog.text


async def test_a_big_bad_value_is_not_echoed(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    """An anonymous 200 KB variable wrote about 400 KB of log before (the value twice)."""
    big = "x" * 200_000
    with caplog.at_level(logging.INFO, logger=LOGGER):
        body = await api.gql(
            "query($n: Int) { transfers(first: $n) { nodes { value } } }", {"n": big}, token=None
        )
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"
    records = _records(caplog)
    assert records and all(r.levelno == logging.INFO for r in records)
    logged = sum(len(r.getMessage()) for r in records)
    assert logged < 2 * (LOGGED_MESSAGE_MAX + 200), logged
    assert any("characters)" in r.getMessage() for r in records)  # says how long it was


async def test_an_unexpected_error_keeps_its_traceback_at_error(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    async with api.runtime.async_engine.begin() as conn:
        await conn.execute(text("DROP TABLE earning_rule_configs"))
        await conn.execute(text("DROP TABLE earning_rules"))
    with caplog.at_level(logging.INFO, logger=LOGGER):
        body = await api.gql(LIST)
    assert body["errors"][0]["extensions"] == {"code": "INTERNAL"}
    [record] = _records(caplog)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None  # the traceback, for the operator
    assert "earning_rules" in caplog.text

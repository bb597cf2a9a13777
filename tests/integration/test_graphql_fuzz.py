"""Schema-driven fuzzing of /graphql (hypothesis-graphql): valid and invalid queries and
mutations of every area, sent as an admin (so they reach the resolvers and the database), on
SQLite and PostgreSQL, with edge-case scalars (NUL and control characters, 100 KB strings,
time-zone-less and far-away dates, huge and over-precise money, a Long as a string). No answer
may be a 500 or an internal error; every error carries one of the documented codes."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, nodes

from api.app import create_app
from api.config import ApiConfig
from api.schema import build_schema
from loyalty.runtime import Runtime
from loyalty.settings import Settings
from tests.integration._rules_client import ADMIN_KEY, JWT_SECRET

with warnings.catch_warnings():  # starlette nags about its httpx-based client; it works
    warnings.simplefilter("ignore", DeprecationWarning)
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# Every typed code the API answers with; INTERNAL ("Unexpected error.") is always a bug.
CODES = {
    "VALIDATION",
    "NOT_FOUND",
    "INVALID_REVISION",
    "FORBIDDEN",
    "UNAUTHENTICATED",
    "DUPLICATE",
    "INSUFFICIENT_POINTS",
    "NOT_INDEXED",
    "INDEXER",
    "LIMIT_EXCEEDED",
}
# Per mode and database: bounded, well under a minute on a loaded machine.
# LOYALTY_FUZZ_EXAMPLES=2000 digs deeper by hand.
EXAMPLES = int(os.environ.get("LOYALTY_FUZZ_EXAMPLES", "50"))

# Values that broke an edge before (issue 13): NUL and control characters, blank and huge
# strings, time-zone-less and far-away dates, money beyond what the columns hold, a Long sent
# as a string. Mixed with hypothesis' own text so that shrinking still works.
NASTY_TEXT = [
    "\x00",
    "m\x00",
    "\x01\x1f\x7f",
    "\x1b[31m",
    "a\nb",
    "\u0085",
    "",
    " ",
    "ü😀",
    "x" * 300,
    "y" * 100_000,  # under LOYALTY_MAX_BODY_BYTES, so it reaches the resolvers
]
_text = st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=20)).map(nodes.String)

SCALARS = {
    "String": _text,
    # importMembers' file: inline, only a value that is no file (the multipart spec's files
    # come as parts; api.schema.imports refuses anything else as VALIDATION)
    "Upload": _text,
    "ID": st.one_of(_text, st.integers(-(2**31), 2**31 - 1).map(nodes.Int)),
    "Long": st.one_of(
        st.integers(-(2**53) + 1, 2**53 - 1).map(nodes.Int),
        st.sampled_from([0, 1, 2, -1, 2**31, 2**53, -(2**53), 10**30]).map(nodes.Int),
        st.sampled_from(["5", "", "1e3"]).map(nodes.String),
        st.just(nodes.Float(1.5)),
    ),
    "BigInt": st.one_of(
        st.integers(-(10**30), 10**30).map(lambda n: nodes.String(str(n))),
        st.sampled_from(["", "1e3", "9" * 100]).map(nodes.String),
    ),
    "Decimal": st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, places=6).map(
            lambda d: nodes.String(format(d, "f"))
        ),
        st.sampled_from(
            [
                "abc",
                "",
                "NaN",
                "1e999999",
                "-0",
                "1.0000001",
                "Infinity",
                "1e80",
                "1e400",
                "0." + "1" * 3000,
                "1000000000000001",
                "-5",
            ]
        ).map(nodes.String),
        st.just(nodes.Float(12.5)),
        st.just(nodes.Int(10**20)),
    ),
    "DateTime": st.sampled_from(
        [
            "2025-01-31T12:00:00Z",
            "2025-01-31T12:00:00+02:00",
            "2025-01-31T12:00:00",
            "2025-01-31",
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "2150-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "not a date",
            "",
        ]
    ).map(nodes.String),
    "Date": st.sampled_from(
        ["2025-01-31", "9999-12-31", "0001-01-01", "2025-02-30", "2025-01-31T00:00:00Z", ""]
    ).map(nodes.String),
}


@pytest.fixture
def client(database_url: str, tmp_path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        chain_state=str(tmp_path / "chain.state"),
        admin_api_key=ADMIN_KEY,
        member_jwt_secret=JWT_SECRET,
        minter_in_serve=False,
    )
    runtime = Runtime.start(settings)
    try:
        with TestClient(create_app(settings, runtime), raise_server_exceptions=False) as tc:
            yield tc
            # Pooled async connections belong to the client's event loop: close them there.
            assert tc.portal is not None
            tc.portal.call(runtime.async_engine.dispose)
    finally:
        runtime.close()


def check(client: TestClient, document: str, variables: dict[str, Any] | None = None) -> None:
    # json.dumps escapes every non-ASCII character, so lone surrogates travel too.
    reply = client.post(
        "/graphql",
        content=json.dumps({"query": document, "variables": variables or {}}),
        headers={"Authorization": f"Bearer {ADMIN_KEY}", "content-type": "application/json"},
    )
    assert reply.status_code < 500, (document, variables, reply.text)
    if reply.status_code != 200:
        return  # e.g. 400 for a document strawberry cannot even route (said in plain text)
    body = reply.json()
    for error in body.get("errors") or []:
        assert error["message"] != "Unexpected error.", (document, variables)
        assert error["extensions"]["code"] in CODES, (document, variables, error)


SCHEMA = str(build_schema(ApiConfig.from_settings(Settings())))
_fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # no example database in the working tree; runs stay bounded
)


def test_valid_documents_never_fail_internally(client: TestClient) -> None:
    @_fuzz
    @given(document=from_schema(SCHEMA, custom_scalars=SCALARS))
    def run(document: str) -> None:
        check(client, document)

    run()


def test_invalid_documents_are_validation_errors(client: TestClient) -> None:
    @_fuzz
    @given(document=from_schema(SCHEMA, custom_scalars=SCALARS, mode=Mode.NEGATIVE))
    def run(document: str) -> None:
        check(client, document)

    run()


# Documents carry no lone surrogate (GraphQL's lexer refuses one), but JSON variables can.
_any_char = st.one_of(
    st.characters(codec=None),
    st.sampled_from(["\x00", "\ud800", "\udfff", "\x01", "\x7f", "\u0085", "\n"]),
)
_any_text = st.text(alphabet=_any_char, max_size=12)
VARIABLE_DOCUMENTS = [
    (
        "mutation($m: String!, $o: String, $t: String!, $k: String!) { recordActivity(input: "
        '{idempotencyKey: $k, memberId: $m, activityType: $t, triggerAppId: "stores", '
        'orderId: $o, amount: {value: "1", currency: "USD"}}) { duplicate } }',
        ("m", "o", "t", "k"),
    ),
    (
        "mutation($m: String!, $r: String!) { adjustPoints(input: {memberId: $m, "
        'idempotencyKey: "a", reason: $r, amount: 1}) { amount } }',
        ("m", "r"),
    ),
    ("query($m: String!) { account(memberId: $m) { memberId } }", ("m",)),
    (
        "mutation($m: String!, $e: String, $n: String) { setMemberContact(memberId: $m, "
        "email: $e, name: $n) { email } }",
        ("m", "e", "n"),
    ),
    (
        "mutation($t: String!) { createTier(tier: {name: $t, requiredPoints: 5, description: $t})"
        " { id } }",
        ("t",),
    ),
]


def test_variables_with_any_text_never_fail_internally(client: TestClient) -> None:
    @_fuzz
    @given(choice=st.sampled_from(VARIABLE_DOCUMENTS), data=st.data())
    def run(choice: tuple[str, tuple[str, ...]], data: st.DataObject) -> None:
        document, names = choice
        check(client, document, {name: data.draw(_any_text, label=name) for name in names})

    run()

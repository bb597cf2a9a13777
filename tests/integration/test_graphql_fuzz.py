"""Schema-driven fuzzing of /graphql (hypothesis-graphql): valid and invalid queries and
mutations, sent as an admin (so they reach the resolvers and the database). No answer may be a
500 or an internal error; every error carries one of the documented codes."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator

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

CODES = {"VALIDATION", "NOT_FOUND", "INVALID_REVISION", "FORBIDDEN", "UNAUTHENTICATED", "DUPLICATE"}
EXAMPLES = 60  # per mode and database: a few seconds, bounded

SCALARS = {
    "Long": st.one_of(
        st.integers(-(2**53) + 1, 2**53 - 1), st.sampled_from([0, 1, 2, -1, 2**31])
    ).map(nodes.Int),
    "BigInt": st.integers(-(10**30), 10**30).map(lambda n: nodes.String(str(n))),
    "Decimal": st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, places=6).map(
            lambda d: nodes.String(format(d, "f"))
        ),
        st.sampled_from(["abc", "", "NaN", "1e999999", "-0", "1.0000001", "Infinity"]).map(
            nodes.String
        ),
    ),
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


def check(client: TestClient, document: str) -> None:
    reply = client.post(
        "/graphql", json={"query": document}, headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    )
    assert reply.status_code < 500, (document, reply.text)
    if reply.status_code != 200:
        return  # e.g. 400 for a document strawberry cannot even route (said in plain text)
    body = reply.json()
    for error in body.get("errors") or []:
        assert error["message"] != "Unexpected error.", document
        code = error["extensions"]["code"]
        assert code in CODES or (ANY_AREA and code != "INTERNAL"), (document, error)


SCHEMA = str(build_schema(ApiConfig.from_settings(Settings())))
# LOYALTY_FUZZ_ALL=1 fuzzes every area's fields (other areas add codes of their own); by
# default the rules area's: token, earning rules, previewEarning.
ANY_AREA = os.environ.get("LOYALTY_FUZZ_ALL") == "1"
FIELDS = (
    None
    if ANY_AREA
    else [
        "token",
        "earningRule",
        "earningRules",
        "previewEarning",
        "createEarningRule",
        "bulkCreateEarningRules",
        "updateEarningRule",
        "deleteEarningRule",
    ]
)
_fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # no example database in the working tree; runs stay bounded
)


def test_valid_documents_never_fail_internally(client: TestClient) -> None:
    @_fuzz
    @given(document=from_schema(SCHEMA, fields=FIELDS, custom_scalars=SCALARS))
    def run(document: str) -> None:
        check(client, document)

    run()


def test_invalid_documents_are_validation_errors(client: TestClient) -> None:
    @_fuzz
    @given(document=from_schema(SCHEMA, fields=FIELDS, custom_scalars=SCALARS, mode=Mode.NEGATIVE))
    def run(document: str) -> None:
        check(client, document)

    run()

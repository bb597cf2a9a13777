"""The API parses and validates a document it has seen before only once (api.limits.
DocumentCache), with every limit and rule still applied: validations are counted where
graphql-core makes them (its ValidationContext), whichever extension asks."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from api.limits import MAX_ALIASES, MAX_DEPTH
from tests.integration._rules_client import Api, running_api


@pytest.fixture
async def api(sqlite_url: str, tmp_path) -> AsyncIterator[Api]:
    # No database work is measured here: one backend is enough.
    async with running_api(sqlite_url, tmp_path) as running:
        yield running


class Counter:
    def __init__(self) -> None:
        self.validations = 0
        self.parses = 0


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter]:
    counter = Counter()
    # The modules themselves (the packages re-export functions of the same names).
    validate_module = importlib.import_module("graphql.validation.validate")
    parser_module = importlib.import_module("graphql.language.parser")
    real_context = validate_module.ValidationContext
    real_parser = parser_module.Parser

    class CountingContext(real_context):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            counter.validations += 1
            super().__init__(*args, **kwargs)

    class CountingParser(real_parser):  # type: ignore[misc, valid-type]
        def parse_document(self) -> Any:
            counter.parses += 1
            return super().parse_document()

    monkeypatch.setattr(validate_module, "ValidationContext", CountingContext)
    monkeypatch.setattr(parser_module, "Parser", CountingParser)
    yield counter


async def test_five_identical_documents_are_validated_once(api: Api, counted: Counter) -> None:
    query = "query($n: Int) { token { symbol } earningRules(first: $n) { edges { cursor } } }"
    for n in range(1, 6):  # the variables differ; the document does not
        data = await api.ok(query, {"n": n})
        assert data["token"]["symbol"] == "LOYAL"
    assert counted.validations == 1
    assert counted.parses == 1

    await api.ok("{ token { name } }")  # another document: validated on its own
    assert counted.validations == 2


async def test_a_refused_document_stays_refused(api: Api, counted: Counter) -> None:
    deep = "{ token " + "{ a " * (MAX_DEPTH + 2) + "}" * (MAX_DEPTH + 3)
    aliases = "{ " + " ".join(f"a{i}: token {{ symbol }}" for i in range(MAX_ALIASES + 1)) + " }"
    unknown = "{ token { symbol nope } }"
    for query, says in (
        (deep, "exceeds maximum operation depth"),
        (aliases, "aliases found"),
        (unknown, "Cannot query field 'nope'"),
    ):
        answers = [await api.gql(query) for _ in range(3)]
        assert answers[0] == answers[1] == answers[2]
        assert answers[0].get("data") is None
        assert {e["extensions"]["code"] for e in answers[0]["errors"]} == {"VALIDATION"}
        assert any(says in e["message"] for e in answers[0]["errors"]), answers[0]
    assert counted.validations == 3


async def test_bad_variables_are_still_refused_for_a_cached_document(
    api: Api, counted: Counter
) -> None:
    query = "query($m: String!) { account(memberId: $m) { memberId } }"
    error = await api.error(query, {"m": "bad\u0000id"})
    assert error["extensions"]["code"] == "VALIDATION"
    error = await api.error(query, {"m": 5})
    assert error["extensions"]["code"] == "VALIDATION"
    error = await api.error(query, {"m": "bad\u0000again"})
    assert error["extensions"]["code"] == "VALIDATION"
    assert counted.validations == 1


async def test_the_cache_is_bounded(api: Api, counted: Counter) -> None:
    cache = _document_cache(api)
    for n in range(cache.maxsize + 10):
        await api.ok(f"{{ token {{ symbol }} n{n}: token {{ name }} }}")
    assert len(cache._documents) == cache.maxsize
    assert len(cache._errors) == cache.maxsize
    await api.ok("{ token { symbol } n0: token { name } }")  # the oldest was dropped
    assert counted.validations == cache.maxsize + 11


def _document_cache(api: Api) -> Any:
    transport: Any = api.client._transport
    (route,) = [r for r in transport.app.routes if getattr(r, "path", None) == "/graphql"][:1]
    return route.endpoint.schema.documents

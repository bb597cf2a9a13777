"""Who may call what: every query and mutation of the rules area (and the public token query)
by {admin, auditor, member, other member, anonymous, bad key, expired JWT, tampered JWT}."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.db.engine import make_engine
from loyalty.services import api_keys
from loyalty.services.api_keys import PREFIX, create_key, key_id_of, revoke_key
from tests.integration._rules_client import (
    ADMIN_KEY,
    BULK,
    CREATE,
    DELETE,
    GET,
    LIST,
    PREVIEW,
    UPDATE,
    Api,
    member_jwt,
    running_api,
    stores_rule,
)

OK, FORBIDDEN, UNAUTH = "ok", "FORBIDDEN", "UNAUTHENTICATED"
CALLERS = [
    "admin",
    "auditor",
    "member",
    "other member",
    "anonymous",
    "bad key",
    "expired JWT",
    "tampered JWT",
]
# Expected outcome per operation, in CALLERS order. "member" is m-1, whose data is previewed.
REFUSED_BAD = [UNAUTH, UNAUTH, UNAUTH]
MATRIX: dict[str, list[str]] = {
    "token": [OK, OK, OK, OK, OK, *REFUSED_BAD],
    "earningRule": [OK, OK, OK, OK, UNAUTH, *REFUSED_BAD],
    "earningRules": [OK, OK, OK, OK, UNAUTH, *REFUSED_BAD],
    "previewEarning": [OK, OK, OK, FORBIDDEN, UNAUTH, *REFUSED_BAD],
    "createEarningRule": [OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, UNAUTH, *REFUSED_BAD],
    "bulkCreateEarningRules": [OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, UNAUTH, *REFUSED_BAD],
    "updateEarningRule": [OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, UNAUTH, *REFUSED_BAD],
    "deleteEarningRule": [OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, UNAUTH, *REFUSED_BAD],
}


@pytest.fixture
async def api(database_url: str, tmp_path) -> Any:
    async with running_api(database_url, tmp_path) as running:
        yield running


def tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    import base64
    import json

    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "m-2"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


async def test_authorization_matrix(api: Api) -> None:
    with api.runtime.engine.begin() as conn:
        auditor_key, _ = create_key(conn, role="auditor", name="audit")
    tokens: dict[str, str | None] = {
        "admin": ADMIN_KEY,
        "auditor": auditor_key,
        "member": member_jwt("m-1"),
        "other member": member_jwt("m-2"),
        "anonymous": None,
        "bad key": "lk_000000000000_" + "A" * 43,
        "expired JWT": member_jwt("m-1", ttl=-120),
        "tampered JWT": tampered(member_jwt("m-1")),
    }

    async def fresh_rule(title: str) -> dict[str, Any]:
        return (await api.ok(CREATE, {"r": stores_rule(title)}))["createEarningRule"]

    target = await fresh_rule("read me")
    activity = {
        "activityType": "stores/OrderPaid",
        "triggerAppId": "stores",
        "amount": {"value": "10", "currency": "USD"},
        "memberId": "m-1",
    }
    seen: dict[tuple[str, str], str] = {}
    for caller in CALLERS:
        token = tokens[caller]
        victim = await fresh_rule(f"victim of {caller}")  # each caller its own rule to mutate
        operations: dict[str, tuple[str, dict[str, Any]]] = {
            "token": ("{ token { symbol } }", {}),
            "earningRule": (GET, {"id": target["id"]}),
            "earningRules": (LIST, {"first": 5}),
            "previewEarning": (PREVIEW, {"a": activity}),
            "createEarningRule": (CREATE, {"r": stores_rule(f"made by {caller}")}),
            "bulkCreateEarningRules": (BULK, {"rs": [stores_rule(f"bulk by {caller}")]}),
            "updateEarningRule": (UPDATE, {"id": victim["id"], "rev": 1, "u": {"title": "hit"}}),
            "deleteEarningRule": (DELETE, {"id": victim["id"], "rev": 1}),
        }
        if caller == "admin":  # update first bumps the revision that delete must then pass
            operations["deleteEarningRule"] = (DELETE, {"id": victim["id"], "rev": 2})
        for name, (query, variables) in operations.items():
            body = await api.gql(query, variables, token=token)
            if body.get("errors"):
                assert body.get("data") is None or all(v is None for v in body["data"].values())
                seen[(name, caller)] = body["errors"][0]["extensions"]["code"]
            else:
                seen[(name, caller)] = OK
        if caller != "admin":  # a refused mutation changed nothing
            still = (await api.ok(GET, {"id": victim["id"]}))["earningRule"]
            assert still == victim, caller
    expected = {
        (name, caller): outcome
        for name, row in MATRIX.items()
        for caller, outcome in zip(CALLERS, row, strict=True)
    }
    assert seen == expected
    titles = {
        e["node"]["title"] for e in (await api.ok(LIST, {"first": 100}))["earningRules"]["edges"]
    }
    assert {"made by admin", "bulk by admin"} <= titles
    assert not any(t.endswith(("by member", "by anonymous", "by auditor")) for t in titles)


async def test_member_preview_defaults_to_self_and_other_members_data_is_forbidden(
    api: Api,
) -> None:
    activity = {"activityType": "stores/OrderPaid", "triggerAppId": "stores"}
    data = await api.ok(PREVIEW, {"a": activity}, token=member_jwt("m-7"))
    assert data["previewEarning"]["awards"] == []
    error = await api.error(
        PREVIEW, {"a": {**activity, "memberId": "m-8"}}, token=member_jwt("m-7")
    )
    assert error["extensions"]["code"] == FORBIDDEN


BAD_HEADERS = [
    ("Basic YWRtaW46YWRtaW4=", "Bearer"),
    ("Bearer ", "Bearer"),
    ("Bearer not-a-key", "unknown API key"),
    (f"Bearer {ADMIN_KEY}x", "unknown API key"),
    (
        "Bearer " + member_jwt("m-1", secret="another-secret-of-sufficient-length-123"),
        "invalid",
    ),
    ("Bearer " + member_jwt("m-1", ttl=None), "invalid"),  # no exp
    ("Bearer " + member_jwt(None, ttl=600), "invalid"),  # no sub
    ("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJtLTEiLCJleHAiOjk5OTk5OTk5OTl9.", "invalid"),
    ("Bearer " + member_jwt("m-1", ttl=-5), "expired"),
]


async def test_bad_credentials_are_refused_even_on_public_fields(api: Api) -> None:
    for header, why in BAD_HEADERS:
        reply = await api.client.post(
            "/graphql", json={"query": "{ token { symbol } }"}, headers={"Authorization": header}
        )
        body = reply.json()
        assert body["data"] is None, header
        assert body["errors"][0]["extensions"]["code"] == UNAUTH, header
        assert why in body["errors"][0]["message"], header


async def test_member_tokens_are_refused_without_a_secret(database_url: str, tmp_path) -> None:
    async with running_api(database_url, tmp_path, member_jwt_secret="") as api:
        error = await api.error("{ token { symbol } }", token=member_jwt("m-1"))
        assert error["extensions"]["code"] == UNAUTH
        assert "LOYALTY_MEMBER_JWT_SECRET" in error["message"]


async def test_created_keys_work_and_revoked_keys_stop(database_url: str, tmp_path) -> None:
    async with running_api(database_url, tmp_path, admin_api_key="") as api:
        with api.runtime.engine.begin() as conn:
            key, record = create_key(conn, role="admin", name="ops")
        assert (await api.ok(CREATE, {"r": stores_rule()}, token=key))["createEarningRule"]
        # Only the hash is stored.
        engine = make_engine(api.runtime.settings.database_url)
        try:
            with engine.connect() as conn:
                from sqlalchemy import text

                stored = conn.execute(text("SELECT * FROM api_keys")).all()
        finally:
            engine.dispose()
        # The secret is everything after `lk_<id>_`; it may itself hold (or begin with) `_`.
        secret = key.removeprefix(f"{PREFIX}{record.id}_")
        assert secret and len(secret) == 43
        assert key not in repr(stored) and secret not in repr(stored)
        # The bootstrap key is off when the setting is empty.
        error = await api.error(LIST, token=ADMIN_KEY)
        assert error["extensions"]["code"] == UNAUTH
        with api.runtime.engine.begin() as conn:
            revoke_key(conn, record.id)
    # A new process (no cache) refuses it at once.
    async with running_api(database_url, tmp_path, admin_api_key="") as api:
        error = await api.error(LIST, token=key)
        assert error["extensions"]["code"] == UNAUTH


@pytest.mark.parametrize("secret", ["_" + "a" * 42, "a_b-" * 10 + "c_d", "-" + "_" * 42])
async def test_keys_whose_secret_begins_with_or_holds_underscores_work(
    sqlite_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    """token_urlsafe draws `_` as one of 64 characters: about 1 key in 64 begins with it, and
    most hold one. Such keys must parse, authenticate and be revocable like any other."""
    assert len(secret) == 43
    async with running_api(sqlite_url, tmp_path, admin_api_key="") as api:
        with monkeypatch.context() as patched:
            patched.setattr(api_keys.secrets, "token_urlsafe", lambda nbytes: secret)
            with api.runtime.engine.begin() as conn:
                key, record = create_key(conn, role="admin", name="underscored")
        assert key == f"{PREFIX}{record.id}_{secret}"
        assert key_id_of(key) == record.id
        assert (await api.ok(LIST, token=key)) is not None
        # The same key with the secret cut at its first `_` is another key: refused.
        error = await api.error(LIST, token=f"{PREFIX}{record.id}_{secret.split('_', 1)[0]}")
        assert error["extensions"]["code"] == UNAUTH
        with api.runtime.engine.begin() as conn:
            revoke_key(conn, record.id)
    async with running_api(sqlite_url, tmp_path, admin_api_key="") as api:
        error = await api.error(LIST, token=key)
        assert error["extensions"]["code"] == UNAUTH

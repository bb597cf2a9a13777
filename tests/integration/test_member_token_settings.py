"""The member-token settings (maximum lifetime, audience, issuer) reach the running app: the
checks themselves are tested in tests/unit/test_member_tokens.py."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt

from tests.integration._rules_client import JWT_SECRET, LIST, running_api
from tests.support.databases import SqliteDatabases


async def test_the_app_applies_the_settings(
    sqlite_databases: SqliteDatabases, tmp_path: Path
) -> None:
    """Wired from the settings through create_app, over HTTP (members may list rules)."""
    NOW = int(time.time())  # when the test runs, not when pytest imported the module

    def signed(**claims: Any) -> str:
        base: dict[str, Any] = {"sub": "ann", "iat": NOW, "exp": NOW + 600}
        base.update(claims)
        return jwt.encode(base, JWT_SECRET)

    async with running_api(
        sqlite_databases.fresh(),
        tmp_path,
        member_jwt_max_lifetime=3600,
        member_jwt_audience="loyalty-api",
        member_jwt_issuer="https://shop.test",
    ) as api:
        good = signed(aud="loyalty-api", iss="https://shop.test")
        assert "earningRules" in await api.ok(LIST, token=good)
        for bad, why in [
            (signed(aud="loyalty-api", iss="https://shop.test", exp=NOW + 7200), "LIFETIME"),
            (signed(aud="another", iss="https://shop.test"), "AUDIENCE"),
            (signed(aud="loyalty-api"), "`iss`"),
        ]:
            body = await api.gql(LIST, token=bad)
            [error] = body["errors"]
            assert error["extensions"]["code"] == "UNAUTHENTICATED" and why in error["message"]

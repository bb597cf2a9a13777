"""Drives the real app in-process (httpx ASGITransport) for the rules and auth tests."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jwt

from api.app import create_app
from loyalty.db.rules import tiers
from loyalty.runtime import Runtime
from loyalty.settings import Settings

ADMIN_KEY = "bootstrap-admin-key-for-tests-0123456789"
JWT_SECRET = "member-jwt-secret-for-tests-0123456789abcdef"


def member_jwt(
    member_id: str | None, *, ttl: int | None = 600, secret: str = JWT_SECRET, **extra: Any
) -> str:
    """A member token; None for `member_id` or `ttl` leaves `sub` or `exp` out."""
    now = int(time.time())
    exp = None if ttl is None else now + ttl
    claims: dict[str, Any] = {"sub": member_id, "iat": now, "exp": exp, **extra}
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, secret, "HS256")


@dataclass
class Api:
    client: httpx.AsyncClient
    runtime: Runtime

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = ADMIN_KEY
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = ADMIN_KEY
    ) -> dict[str, Any]:
        reply = await self.post(query, variables, token)
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    async def ok(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = ADMIN_KEY
    ) -> dict[str, Any]:
        body = await self.gql(query, variables, token)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def error(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = ADMIN_KEY
    ) -> dict[str, Any]:
        """The single error of a failed operation (message, extensions.code…)."""
        body = await self.gql(query, variables, token)
        assert body.get("errors"), body
        error: dict[str, Any] = body["errors"][0]
        return error

    async def add_tier(self, required_points: int, name: str = "Gold") -> str:
        tier_id = str(uuid.uuid4())
        now = datetime.now(UTC)
        async with self.runtime.async_engine.begin() as conn:
            await conn.execute(
                tiers.insert().values(
                    id=tier_id,
                    name=name,
                    required_points=required_points,
                    revision=1,
                    created_date=now,
                    updated_date=now,
                )
            )
        return tier_id


@asynccontextmanager
async def running_api(database_url: str, tmp_path: Path, **changes: Any) -> AsyncIterator[Api]:
    settings = Settings(
        database_url=database_url,
        chain_state=str(tmp_path / "chain.state"),
        admin_api_key=ADMIN_KEY,
        member_jwt_secret=JWT_SECRET,
        minter_in_serve=False,
    ).with_(**changes)
    runtime = Runtime.start(settings)
    try:
        app = create_app(settings, runtime)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield Api(client, runtime)
    finally:
        await runtime.aclose()


RULE_FIELDS = """
  id revision title sourceAppId triggerAppId triggerActivityType status kind
  fixedAmount { configs { tierId points } }
  conversionRate { configs { tierId moneyAmount points } }
  metadata { canBeDeleted } createdDate updatedDate
"""

CREATE = f"""mutation($r: EarningRuleInput!) {{
  createEarningRule(earningRule: $r) {{ {RULE_FIELDS} }} }}"""
GET = f"""query($id: ID!) {{ earningRule(id: $id) {{ {RULE_FIELDS} }} }}"""
UPDATE = f"""mutation($id: ID!, $rev: Long!, $u: EarningRuleUpdate!) {{
  updateEarningRule(id: $id, revision: $rev, earningRule: $u) {{ {RULE_FIELDS} }} }}"""
DELETE = """mutation($id: ID!, $rev: Long!) { deleteEarningRule(id: $id, revision: $rev) { id } }"""
LIST = f"""query($f: EarningRuleFilter, $first: Int, $after: String) {{
  earningRules(filter: $f, first: $first, after: $after) {{
    edges {{ cursor node {{ {RULE_FIELDS} }} }}
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}"""
BULK = """mutation($rs: [EarningRuleInput!]!) { bulkCreateEarningRules(earningRules: $rs) {
  results { itemMetadata { originalIndex success error { code description field } }
            item { id title } }
  bulkActionMetadata { totalSuccesses totalFailures } } }"""
PREVIEW = """query($a: ActivityInput!) { previewEarning(activity: $a) {
  currency totalPoints awards { ruleId ruleRevision points reason tierId rule { title } } } }"""


def stores_rule(title: str = "Buy in the store", **changes: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "title": title,
        "triggerAppId": "stores",
        "triggerActivityType": "stores/OrderPaid",
        "conversionRate": {"configs": [{"tierId": None, "moneyAmount": "1", "points": 2}]},
    }
    rule.update(changes)
    return rule

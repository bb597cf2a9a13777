"""CSRF safety of /graphql's multipart uploads (the GraphQL multipart request spec, used by
`importMembers`).

A browser sends a multipart/form-data POST to any origin without asking first (a "simple"
request: an HTML form can make it), so a page on another site could make a logged-in browser
post one. JSON operations are safe from that already (application/json needs a CORS preflight),
and strawberry leaves multipart off by default for this reason and adds no check of its own
when it is on. So, as Apollo Server does, a multipart request must carry a header no HTML form
can set, `Apollo-Require-Preflight` (any value; apollo-upload-client and curl examples send it):
setting it from a script on another origin needs a CORS preflight, which this API never grants.
A multipart request without it is refused with 400 and the code PREFLIGHT_REQUIRED before its
body is read."""

from __future__ import annotations

import json

from starlette.types import Scope, Send

PREFLIGHT_HEADER = b"apollo-require-preflight"
CODE = "PREFLIGHT_REQUIRED"


def has_preflight(scope: Scope) -> bool:
    """False only for an HTTP multipart/form-data request without the preflight header."""
    if scope.get("type") != "http":
        return True
    headers = dict(scope.get("headers") or [])
    if not headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data"):
        return True
    return bool(headers.get(PREFLIGHT_HEADER, b"").strip())


async def refuse_without_preflight(send: Send) -> None:
    message = (
        "a multipart request to /graphql needs the header Apollo-Require-Preflight "
        "(any value), so that no page of another site can send one"
    )
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": CODE}}]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

"""Who is calling, and what they may do.

Admins (API keys) may do everything; an auditor key may read everything and run audits; a member
(JWT, `sub` = member id) may read only their own data; anonymous callers may read only public
token facts. Resolvers call the `require_*` helpers; they never inspect headers themselves.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import jwt
from sqlalchemy.ext.asyncio import AsyncEngine

from api.errors import CredentialExpired, Forbidden, Unauthenticated
from loyalty.services.api_keys import PREFIX, hash_key, verify_key


class Role(Enum):
    ANONYMOUS = "anonymous"
    MEMBER = "member"
    AUDITOR = "auditor"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    role: Role
    member_id: str | None = None
    key_id: str | None = None  # the API key's public id, for logs
    expires_at: float | None = None  # a member token's `exp` (Unix seconds)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


ANONYMOUS = Principal(Role.ANONYMOUS)


def require_admin(principal: Principal) -> None:
    if principal.role is Role.ADMIN:
        return
    _refuse(principal, "this operation needs an admin API key")


def require_auditor(principal: Principal) -> None:
    """Admins and auditors."""
    if principal.role in (Role.ADMIN, Role.AUDITOR):
        return
    _refuse(principal, "this operation needs an admin or auditor API key")


def require_member_or_admin(principal: Principal, member_id: str) -> None:
    """The member themself, or an admin/auditor (read access)."""
    if principal.role in (Role.ADMIN, Role.AUDITOR):
        return
    if principal.role is Role.MEMBER and principal.member_id == member_id:
        return
    _refuse(principal, "members may only read their own data")


def _refuse(principal: Principal, why: str) -> None:
    if principal.role is Role.ANONYMOUS:
        raise Unauthenticated(f"authentication required: {why}")
    raise Forbidden(why)


# --- how a request becomes a Principal -----------------------------------------------------------

_CACHE_SECONDS = 30.0  # a revoked key stops working within this time
_CACHE_MAX = 10_000
_MEMBER_ID_MAX = 256


class Authenticator:
    """Turns an `Authorization` header into a Principal, once per request.

    `Bearer <API key>` (a stored key, or the bootstrap key from LOYALTY_ADMIN_API_KEY, which is
    kept only as a hash in memory) or `Bearer <member JWT>` (HS256, `sub` and `exp` required,
    valid for at most `member_jwt_max_lifetime` seconds; `aud` and `iss` checked when set).
    No header is ANONYMOUS; any credential that does not verify is refused (UNAUTHENTICATED)
    rather than downgraded to anonymous, so a client learns at once that its key is wrong.
    """

    def __init__(
        self,
        *,
        engine_getter: Callable[[], AsyncEngine],
        admin_api_key: str = "",
        member_jwt_secret: str = "",
        member_jwt_max_lifetime: int = 86400,
        member_jwt_audience: str = "",
        member_jwt_issuer: str = "",
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._engine = engine_getter
        self._bootstrap_hash = hash_key(admin_api_key) if admin_api_key else None
        self._jwt_secret = member_jwt_secret
        self._jwt_max_lifetime = member_jwt_max_lifetime
        self._jwt_audience = member_jwt_audience or None
        self._jwt_issuer = member_jwt_issuer or None
        self._clock = clock
        self._wall_clock = wall_clock
        self._cache: dict[str, tuple[float, Principal]] = {}

    async def principal(self, authorization: str | None, *, fresh: bool = False) -> Principal:
        """`fresh`: a stored API key is looked up again rather than taken from the cache (a
        WebSocket re-checks its credential so, at each subscribe and while it stays open)."""
        if authorization is None or not authorization.strip():
            return ANONYMOUS
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated(
                "the Authorization header must be `Bearer <API key or member token>`"
            )
        digest = hash_key(token)
        if self._bootstrap_hash is not None and hmac.compare_digest(digest, self._bootstrap_hash):
            return Principal(Role.ADMIN, key_id="bootstrap")
        if token.startswith(PREFIX):
            return await self._api_key(token, digest, fresh=fresh)
        if token.count(".") == 2:
            return self._member(token)
        raise Unauthenticated("unknown API key: check the key, or create one with `loyalty keys`")

    async def _api_key(self, token: str, digest: str, *, fresh: bool) -> Principal:
        now = self._clock()
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now and not fresh:
            return cached[1]
        async with self._engine().connect() as conn:
            record = await verify_key(conn, token)
        if record is None:
            self._cache.pop(digest, None)
            raise Unauthenticated(
                "unknown or revoked API key: check the key, or create one with `loyalty keys`"
            )
        principal = Principal(
            Role.ADMIN if record.role == "admin" else Role.AUDITOR, key_id=record.id
        )
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[digest] = (now + _CACHE_SECONDS, principal)
        return principal

    def _member(self, token: str) -> Principal:
        if not self._jwt_secret:
            raise Unauthenticated(
                "member tokens are not accepted: LOYALTY_MEMBER_JWT_SECRET is unset"
            )
        required = ["exp", "sub"]
        if self._jwt_audience:
            required.append("aud")
        if self._jwt_issuer:
            required.append("iss")
        try:
            claims = jwt.decode(
                token,
                self._jwt_secret,
                algorithms=["HS256"],
                audience=self._jwt_audience,
                issuer=self._jwt_issuer,
                options={"require": required},
            )
        except jwt.ExpiredSignatureError:
            raise CredentialExpired("the member token has expired: sign in again") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated(
                "invalid member token: its `aud` is not this service's "
                "(LOYALTY_MEMBER_JWT_AUDIENCE)"
                if self._jwt_audience
                else "invalid member token: it carries an `aud`, and LOYALTY_MEMBER_JWT_AUDIENCE "
                "is unset"
            ) from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated(
                "invalid member token: its `iss` is not the one expected "
                "(LOYALTY_MEMBER_JWT_ISSUER)"
            ) from None
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthenticated(f"invalid member token: it has no `{exc.claim}` claim") from None
        except jwt.PyJWTError:
            raise Unauthenticated(
                "invalid member token: it must be an HS256 JWT with `sub` and `exp`, signed "
                "with the service's secret"
            ) from None
        member_id = claims.get("sub")
        if (
            not isinstance(member_id, str)
            or not member_id.strip()
            or len(member_id) > _MEMBER_ID_MAX
        ):
            raise Unauthenticated("invalid member token: `sub` must be the member id")
        self._check_lifetime(claims)
        return Principal(Role.MEMBER, member_id=member_id, expires_at=float(claims["exp"]))

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        """A token valid for longer than the maximum is refused, however it is dated: `exp`
        more than the maximum after its `iat`, or after now (a token with no or a future
        `iat` cannot stretch its life)."""
        iat = claims.get("iat")
        start = self._wall_clock()
        if isinstance(iat, int | float) and not isinstance(iat, bool):
            start = min(start, float(iat))
        longest = self._jwt_max_lifetime
        if claims["exp"] - start > longest:
            raise Unauthenticated(
                f"the member token is valid for too long: at most {longest} s from `iat` "
                "(LOYALTY_MEMBER_JWT_MAX_LIFETIME); mint a shorter-lived token"
            )


def member_token(secret: str, member_id: str, *, ttl_seconds: int = 3600) -> str:
    """Signs a member JWT (for tests, tools and shops that mint tokens with the same secret)."""
    now = int(time.time())
    return jwt.encode({"sub": member_id, "iat": now, "exp": now + ttl_seconds}, secret, "HS256")

"""Member JWTs: a bounded lifetime (LOYALTY_MEMBER_JWT_MAX_LIFETIME), and `aud` / `iss` checked
when LOYALTY_MEMBER_JWT_AUDIENCE / LOYALTY_MEMBER_JWT_ISSUER are set. PyJWT checks `exp` and
`iat` against the real clock, so tokens are dated from the time the module loads; the lifetime
check's own clock is pinned to that instant, and every margin is an hour or more (under
pytest-xdist a module may be imported minutes before its tests run)."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from api.auth import Authenticator, Role
from api.errors import CredentialExpired, Unauthenticated
from loyalty.settings import Settings

SECRET = "member-token-test-secret-0123456789abcdef"
NOW = int(time.time())
DAY = 86_400
YEAR = 365 * DAY


def authenticator(**changes: Any) -> Authenticator:
    return Authenticator(
        engine_getter=lambda: None,  # type: ignore[arg-type, return-value]  # JWTs only
        member_jwt_secret=SECRET,
        wall_clock=lambda: float(NOW),
        **changes,
    )


def token(**claims: Any) -> str:
    """A member token issued now for an hour, with `claims` replacing (None: leaving out) any."""
    base: dict[str, Any] = {"sub": "ann", "iat": NOW, "exp": NOW + 3600}
    base.update(claims)
    return "Bearer " + jwt.encode({k: v for k, v in base.items() if v is not None}, SECRET)


async def refused(auth: Authenticator, bearer: str) -> str:
    with pytest.raises(Unauthenticated) as caught:
        await auth.principal(bearer)
    return str(caught.value)


async def test_a_token_within_the_maximum_lifetime_is_accepted() -> None:
    auth = authenticator()
    principal = await auth.principal(token())
    assert (principal.role, principal.member_id) == (Role.MEMBER, "ann")
    assert principal.expires_at == NOW + 3600
    assert (await auth.principal(token(exp=NOW + DAY))).member_id == "ann"  # exactly the max
    assert (await auth.principal(token(iat=None, exp=NOW + DAY))).member_id == "ann"


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": NOW + 100 * YEAR},  # a hundred years
        {"exp": NOW + DAY + 1},  # one second too long
        # not expired (an hour of margin: the module's NOW may be minutes old when this runs),
        # but issued for 30 days
        {"iat": NOW - 30 * DAY, "exp": NOW + 3600},
        {"iat": None, "exp": NOW + 2 * DAY},  # no iat: counted from now
    ],
)
async def test_a_token_valid_for_longer_than_the_maximum_is_refused(claims: dict[str, Any]) -> None:
    message = await refused(authenticator(), token(**claims))
    assert "LOYALTY_MEMBER_JWT_MAX_LIFETIME" in message and str(DAY) in message


async def test_an_iat_in_the_future_does_not_stretch_a_token() -> None:
    message = await refused(authenticator(), token(iat=NOW + 10 * YEAR, exp=NOW + 10 * YEAR + 60))
    assert "member token" in message


async def test_a_token_without_exp_is_refused_and_the_maximum_is_a_setting() -> None:
    assert "`exp`" in await refused(authenticator(), token(exp=None))
    longer = authenticator(member_jwt_max_lifetime=30 * DAY)
    assert (await longer.principal(token(exp=NOW + 30 * DAY))).member_id == "ann"
    shorter = authenticator(member_jwt_max_lifetime=600)
    assert "600" in await refused(shorter, token())


async def test_an_expired_token_is_refused_as_expired() -> None:
    with pytest.raises(CredentialExpired):
        await authenticator().principal(token(iat=NOW - 120, exp=NOW - 60))


async def test_the_audience_is_checked_when_set() -> None:
    auth = authenticator(member_jwt_audience="loyalty-api")
    assert (await auth.principal(token(aud="loyalty-api"))).member_id == "ann"
    assert (await auth.principal(token(aud=["shop", "loyalty-api"]))).member_id == "ann"
    assert "`aud`" in await refused(auth, token())  # none
    assert "LOYALTY_MEMBER_JWT_AUDIENCE" in await refused(auth, token(aud="another-api"))
    # Unset: a token meant for some audience is not taken for this one.
    assert "LOYALTY_MEMBER_JWT_AUDIENCE" in await refused(authenticator(), token(aud="x"))


async def test_the_issuer_is_checked_when_set() -> None:
    auth = authenticator(member_jwt_issuer="https://shop.test")
    assert (await auth.principal(token(iss="https://shop.test"))).member_id == "ann"
    assert "`iss`" in await refused(auth, token())
    assert "LOYALTY_MEMBER_JWT_ISSUER" in await refused(auth, token(iss="https://evil.test"))
    # Unset: not checked.
    assert (await authenticator().principal(token(iss="anyone"))).member_id == "ann"


def test_the_settings() -> None:
    defaults = Settings.from_env({})
    assert defaults.member_jwt_max_lifetime == DAY
    assert (defaults.member_jwt_audience, defaults.member_jwt_issuer) == ("", "")
    s = Settings.from_env(
        {
            "LOYALTY_MEMBER_JWT_MAX_LIFETIME": "3600",
            "LOYALTY_MEMBER_JWT_AUDIENCE": " loyalty-api ",
            "LOYALTY_MEMBER_JWT_ISSUER": "https://shop.test",
        }
    )
    assert (s.member_jwt_max_lifetime, s.member_jwt_audience, s.member_jwt_issuer) == (
        3600,
        "loyalty-api",
        "https://shop.test",
    )
    for bad in ("0", "-5", "a day"):
        with pytest.raises(Exception, match="LOYALTY_MEMBER_JWT_MAX_LIFETIME"):
            Settings.from_env({"LOYALTY_MEMBER_JWT_MAX_LIFETIME": bad})

"""The rules every value from outside obeys, wherever it comes in (a GraphQL argument, a webhook
body): one place, the standard library only. Each check raises InvalidInput naming the field, so
a bad value is refused with VALIDATION before anything is stored, the same on SQLite and
PostgreSQL.

- Text: no NUL and no lone surrogate, anywhere (PostgreSQL refuses a NUL in text while SQLite
  keeps it; neither database can encode a lone surrogate).
- Identifiers (member ids, order ids, idempotency keys, activity types, app ids, ids): 1 to a
  maximum number of characters, not blank, and no control character at all.
- Money: an exact decimal (a string or an integer, never a binary float), at most
  MONEY_PLACES decimal places and at most MONEY_MAX in size (what the NUMERIC(30, 6) columns hold
  exactly on PostgreSQL and as text on SQLite).
- Points: whole numbers. One earn, adjustment, rule award, reward cost or tier threshold is at
  most POINTS_MAX; a balance at most BALANCE_MAX (read exactly by JavaScript clients; the
  database's BIGINT and the token's uint256 hold far more).
- Instants: ISO 8601 with a time zone (`Z` or an offset), from EARLIEST to LATEST; an activity's
  `occurredAt` at most FUTURE_SKEW after now.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from loyalty.domain.errors import InvalidInput

# Argument and input-field names that hold identifiers (besides every GraphQL `ID`).
IDENTIFIER_FIELDS = frozenset(
    {
        "memberId",
        "referredMemberId",
        "orderId",
        "idempotencyKey",
        "activityType",
        "triggerAppId",
        "triggerActivityType",
        "tierId",
        "rewardId",
        "redemptionId",
        "eventId",
        "source",
        "currency",
        "address",
        "signature",
        "type",
    }
)

MONEY_MAX = Decimal(10) ** 15
MONEY_PLACES = 6
_MONEY_TEXT_MAX = 64  # characters of a decimal string: more is never a sane amount

POINTS_MAX = 9_999_999  # one earn, adjustment, rule award, reward cost or tier threshold
BALANCE_MAX = 2**53 - 1  # a member's balance (and any Long)
LONG_MAX = 2**53 - 1

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
FUTURE_SKEW = timedelta(days=1)  # clocks disagree; an activity from further ahead is refused


def _describe(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def bad_text_char(value: str) -> str | None:
    """The first character no database stores faithfully (NUL, a lone surrogate), described."""
    for ch in value:
        if ch == "\x00" or "\ud800" <= ch <= "\udfff":
            return _describe(ch)
    return None


def bad_identifier_char(value: str) -> str | None:
    """The first character an identifier must not hold (any control character, NUL, a lone
    surrogate), described."""
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cs"):
            return _describe(ch)
    return None


def check_text(field: str, value: str) -> str:
    bad = bad_text_char(value)
    if bad is not None:
        raise InvalidInput(f"{field} must not contain the character {bad}", field=field)
    return value


def check_identifier(field: str, value: object, maximum: int) -> str:
    """1 to `maximum` characters, not blank, without control characters; returned stripped."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must be 1-{maximum} characters (not blank)", field=field)
    if len(value) > maximum:
        raise InvalidInput(f"{field} must be 1-{maximum} characters", field=field)
    bad = bad_identifier_char(value)
    if bad is not None:
        raise InvalidInput(
            f"{field} must not contain control characters (found {bad})", field=field
        )
    return value.strip()


def is_identifier_field(field: str) -> bool:
    """`field` is a path such as `input.memberId` or `configs[0].tierId`."""
    leaf = field.rsplit(".", 1)[-1].split("[", 1)[0]
    return leaf in IDENTIFIER_FIELDS


def check_tree(value: Any, field: str) -> None:
    """Every string of a JSON value (object keys included) passes check_text; the field named
    is the path to the string, e.g. `data.memberId`."""
    if isinstance(value, str):
        check_text(field or "value", value)
    elif isinstance(value, dict):
        for key, item in value.items():
            path = f"{field}.{key}" if field else str(key)
            if isinstance(key, str):
                check_text(f"{field}.<key>" if field else "<key>", key)
            check_tree(item, path)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_tree(item, f"{field}[{index}]")


def parse_money(field: str, value: object) -> Decimal:
    """An exact decimal from a string, an integer or a Decimal (a JSON number parsed exactly);
    a float, a bool, NaN, infinity, more than MONEY_PLACES places or more than MONEY_MAX is
    refused."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InvalidInput(
            f'{field} must be a decimal string such as "12.50", not {type(value).__name__}',
            field=field,
        )
    if isinstance(value, Decimal):
        number = value
    else:
        text = str(value).strip()
        if len(text) > _MONEY_TEXT_MAX:
            raise InvalidInput(
                f"{field} must be a decimal of at most {_MONEY_TEXT_MAX} characters", field=field
            )
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise InvalidInput(f'{field} is not a number such as "12.50"', field=field) from None
    return check_money(field, number)


def check_money(field: str, number: Decimal) -> Decimal:
    if not number.is_finite():
        raise InvalidInput(f"{field} must be a finite decimal", field=field)
    if abs(number) > MONEY_MAX:
        raise InvalidInput(f"{field} must be at most {MONEY_MAX:,} in size", field=field)
    exponent = number.as_tuple().exponent
    if (
        isinstance(exponent, int)
        and exponent < -MONEY_PLACES
        and number != number.quantize(Decimal(1).scaleb(-MONEY_PLACES))
    ):
        raise InvalidInput(f"{field} must have at most {MONEY_PLACES} decimal places", field=field)
    return number


def check_points(field: str, value: object, *, minimum: int, maximum: int = POINTS_MAX) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidInput(
            f"{field} must be a whole number from {minimum:,} to {maximum:,}", field=field
        )
    return value


def parse_long(field: str, value: object) -> int:
    """An integer sent as a number (a JSON/GraphQL integer, never a string or a float), within
    ±LONG_MAX."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(
            f"{field} must be an integer number (not {type(value).__name__})", field=field
        )
    if abs(value) > LONG_MAX:
        raise InvalidInput(f"{field} must be from -(2^53-1) to 2^53-1", field=field)
    return value


def parse_instant(field: str, value: object) -> datetime:
    """An ISO 8601 date-time with a time zone, e.g. 2025-01-31T12:00:00Z, within range."""
    if isinstance(value, datetime):
        return check_instant(field, value)
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInput(
            f"{field} must be an ISO 8601 date-time such as 2025-01-31T12:00:00Z", field=field
        )
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{field} must be an ISO 8601 date-time such as 2025-01-31T12:00:00Z", field=field
        ) from None
    return check_instant(field, parsed)


def check_instant(field: str, value: datetime, *, now: datetime | None = None) -> datetime:
    """Aware, from EARLIEST to LATEST, and (given `now`) at most FUTURE_SKEW after it."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            f"{field} must carry a time zone, e.g. 2025-01-31T12:00:00Z or +02:00", field=field
        )
    if not EARLIEST <= value < LATEST:
        raise InvalidInput(
            f"{field} must be from {EARLIEST.date()} to before {LATEST.date()}", field=field
        )
    if now is not None and value > now + FUTURE_SKEW:
        raise InvalidInput(f"{field} must not be in the future", field=field)
    return value

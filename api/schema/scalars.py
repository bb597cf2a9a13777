"""Scalars GraphQL lacks: Int is 32-bit, but chain ids, blocks and token amounts are not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from api.errors import ValidationFailed
from loyalty.domain import values
from loyalty.domain.errors import InvalidInput


def _domain(parse: Callable[[str, object], object], what: str) -> Callable[[object], object]:
    """A scalar parser from a loyalty.domain.values rule; its InvalidInput becomes the
    scalar's ValidationFailed (graphql-core names the argument in the message)."""

    def parser(value: object) -> object:
        try:
            return parse(what, value)
        except InvalidInput as exc:
            raise ValidationFailed(str(exc)) from None

    return parser


def _parse_bigint(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationFailed(f"expected an integer or a decimal string, got {value!r}")
    text = str(value).strip()
    if not text.lstrip("-").isdigit() or len(text) > 80:
        raise ValidationFailed(f"expected an integer, got {value!r}")
    return int(text)


Long = NewType("Long", int)
BigInt = NewType("BigInt", int)
Money = NewType("Money", Decimal)

# Registered in StrawberryConfig.scalar_map (type-checkable NewTypes rather than wrapped classes).
SCALARS: dict[object, ScalarDefinition] = {
    Long: strawberry.scalar(
        name="Long",
        serialize=int,
        parse_value=_domain(values.parse_long, "a Long"),
        description="A 53-bit-safe integer sent as a JSON number, never a string (chain ids, "
        "blocks, points).",
    ),
    BigInt: strawberry.scalar(
        name="BigInt",
        serialize=str,
        parse_value=_parse_bigint,
        description="An arbitrary-precision integer sent as a decimal string (token amounts).",
    ),
    Money: strawberry.scalar(
        name="Decimal",
        serialize=lambda d: format(d, "f"),
        parse_value=_domain(values.parse_money, "a Decimal"),
        description='An exact decimal sent as a string, e.g. "19.99" (money; an integer too). '
        f"No floats; at most {values.MONEY_PLACES} decimal places and at most "
        f"{values.MONEY_MAX:,} in size.",
    ),
    # Replaces strawberry's DateTime, which takes a date-time without a time zone.
    datetime: strawberry.scalar(
        name="DateTime",
        serialize=datetime.isoformat,
        parse_value=_domain(values.parse_instant, "a DateTime"),
        description="An ISO 8601 date-time with a time zone, e.g. 2025-01-31T12:00:00Z "
        f"(from {values.EARLIEST.year} to before {values.LATEST.year}).",
    ),
}

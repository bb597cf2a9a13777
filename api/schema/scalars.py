"""Scalars GraphQL lacks: Int is 32-bit, but chain ids, blocks and token amounts are not."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from api.errors import ValidationFailed

_MAX_SAFE = 2**53 - 1  # the largest integer a JavaScript client reads exactly


def _parse_long(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationFailed(f"expected an integer, got {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise ValidationFailed(f"expected an integer, got {value!r}") from None
    if abs(number) > _MAX_SAFE:
        raise ValidationFailed(f"integer out of range (|n| ≤ 2^53-1): {value!r}")
    return number


def _parse_bigint(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationFailed(f"expected an integer or a decimal string, got {value!r}")
    text = str(value).strip()
    if not text.lstrip("-").isdigit() or len(text) > 80:
        raise ValidationFailed(f"expected an integer, got {value!r}")
    return int(text)


def _parse_decimal(value: object) -> Decimal:
    # Floats are refused: money never passes through binary floating point.
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationFailed(f'expected a decimal string such as "12.50", got {value!r}')
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationFailed(f"not a number: {value!r}") from None
    if not number.is_finite():
        raise ValidationFailed(f"not a finite number: {value!r}")
    return number


Long = NewType("Long", int)
BigInt = NewType("BigInt", int)
Money = NewType("Money", Decimal)

# Registered in StrawberryConfig.scalar_map (type-checkable NewTypes rather than wrapped classes).
SCALARS: dict[object, ScalarDefinition] = {
    Long: strawberry.scalar(
        name="Long",
        serialize=int,
        parse_value=_parse_long,
        description="A 53-bit-safe integer sent as a JSON number (chain ids, blocks, points).",
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
        parse_value=_parse_decimal,
        description='An exact decimal sent as a string, e.g. "19.99" (money). No floats.',
    ),
}

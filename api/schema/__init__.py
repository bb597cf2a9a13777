"""The Strawberry schema: one module per area, merged here."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import MaskErrors
from strawberry.schema.config import StrawberryConfig

from api.errors import ApiError, is_expected
from api.observability import OperationMetrics
from api.schema.chain import ChainQuery
from api.schema.minting import MintingQuery
from api.schema.scalars import SCALARS
from api.schema.token import TokenQuery
from loyalty.settings import Settings


@strawberry.type
class Query(ChainQuery, TokenQuery, MintingQuery):
    pass


def build_schema(settings: Settings) -> strawberry.Schema:
    extensions: list[Any] = [
        lambda: MaskErrors(should_mask_error=lambda e: not is_expected(e)),
        OperationMetrics,
    ]
    if not settings.introspection:
        from strawberry.extensions import DisableIntrospection

        extensions.append(DisableIntrospection)
    return strawberry.Schema(
        query=Query,
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALARS),
    )


__all__ = ["ApiError", "build_schema"]

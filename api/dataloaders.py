"""Per-request DataLoaders: N lookups of the same kind in one request become one query."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.dataloader import DataLoader

from loyalty.domain.rules import EarningRule
from loyalty.services.rules import load_rules


@dataclass(frozen=True)
class Loaders:
    earning_rule: DataLoader[str, EarningRule | None]


def make_loaders(engine: Callable[[], AsyncEngine]) -> Loaders:
    async def rules(ids: Sequence[str]) -> list[EarningRule | None]:
        async with engine().connect() as conn:
            found = await load_rules(conn, ids)
        return [found.get(i) for i in ids]

    return Loaders(earning_rule=DataLoader(load_fn=rules))

"""Statements built once and run with their values as parameters.

Building `.values(...)` on every call costs more Python than the round trip it prepares (it is
coerced and cache-keyed each time); on the paths run for every activity (ledger entry, chain
request, totals, tier) a statement is built once per key and given a parameter dict instead,
which SQLAlchemy compiles once and then only binds."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

_built: dict[Hashable, Any] = {}


def once(key: Hashable, build: Callable[[], Any]) -> Any:
    statement = _built.get(key)
    if statement is None:
        statement = _built[key] = build()
    return statement

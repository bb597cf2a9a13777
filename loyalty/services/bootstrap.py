"""Composition of the core's use cases: the handler registry and the unit-of-work factory that
cli/ and api/ hand to the use cases (every use case takes a unit of work, never an engine)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.domain.clock import SYSTEM_CLOCK, Clock
from loyalty.services.handlers import registry
from loyalty.services.uow import UnitOfWork, UnitOfWorkFactory


def unit_of_work_factory(
    engine: AsyncEngine,
    *,
    clock: Clock = SYSTEM_CLOCK,
    wake_inbox: Callable[[], None] | None = None,
) -> UnitOfWorkFactory:
    """A new UnitOfWork on `engine` per call, all sharing one handler registry and clock."""
    handlers = registry(wake_inbox=wake_inbox)
    return lambda: UnitOfWork(engine, handlers, clock=clock)

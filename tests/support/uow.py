"""Units of work for tests that call the use cases directly (as cli/ and api/ do)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.domain.clock import SYSTEM_CLOCK, Clock
from loyalty.services.bootstrap import unit_of_work_factory
from loyalty.services.uow import UnitOfWork


def uow_for(engine: AsyncEngine, *, clock: Clock = SYSTEM_CLOCK) -> UnitOfWork:
    """A new unit of work on `engine` with the core's handlers."""
    return unit_of_work_factory(engine, clock=clock)()

"""The connected parts a process needs (engines, chain, deployment), built once from Settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.chain import Chain, connect
from loyalty.db.engine import make_async_engine, make_engine
from loyalty.deploy import Deployment, current_deployment, ensure_deployed
from loyalty.domain.clock import SYSTEM_CLOCK, Clock
from loyalty.services.handlers import registry
from loyalty.services.uow import Handlers, UnitOfWork
from loyalty.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    async_engine: AsyncEngine
    chain: Chain
    deployment: Deployment
    # What a worker thread of this process (indexer, minter) reports as wrong, by worker;
    # /readyz fails while any is set.
    problems: dict[str, str] = field(default_factory=dict)
    clock: Clock = SYSTEM_CLOCK  # what the use cases' units of work read the time from
    _handlers: Handlers | None = field(default=None, init=False, repr=False)

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work on the async engine, with the core's handlers: what every use
        case takes (loyalty.services.uow)."""
        if self._handlers is None:
            self._handlers = registry()
        return UnitOfWork(self.async_engine, self._handlers, clock=self.clock)

    @classmethod
    def start(cls, settings: Settings, *, deploy_if_missing: bool | None = None) -> Runtime:
        """Connects to the database and chain. On the embedded chain the token is deployed on
        first start; on a real node it must have been deployed with `loyalty deploy`."""
        if deploy_if_missing is None:
            deploy_if_missing = settings.embedded_chain
        engine = make_engine(settings.database_url)
        chain = connect(settings)
        try:
            if deploy_if_missing:
                deployment = ensure_deployed(chain, engine, settings)
            else:
                deployment = current_deployment(engine, chain.chain_id)
        except Exception:
            chain.close()
            engine.dispose()
            raise
        return cls(
            settings=settings,
            engine=engine,
            async_engine=make_async_engine(settings.database_url),
            chain=chain,
            deployment=deployment,
        )

    async def aclose(self) -> None:
        await self.async_engine.dispose()
        self.close()

    def close(self) -> None:
        """Closes from synchronous code (pooled async connections are dropped, not awaited)."""
        self.async_engine.sync_engine.dispose()
        self.engine.dispose()
        self.chain.close()

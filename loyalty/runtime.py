"""The connected parts a process needs (engines, chain, deployment), built once from Settings.

Only what every process needs is imported here: the use cases' handlers and units of work (the
whole service layer) and deploying (web3) load when first used, so that `loyalty indexer` and
`loyalty audit` on a node start without them."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from loyalty.chain import Chain, connect
from loyalty.db.engine import make_async_engine, make_engine
from loyalty.deployment import Deployment, current_deployment
from loyalty.domain.clock import SYSTEM_CLOCK, Clock
from loyalty.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from loyalty.services.uow import Handlers, UnitOfWork


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    chain: Chain
    deployment: Deployment
    # What a worker thread of this process (indexer, minter) reports as wrong, by worker;
    # /readyz fails while any is set.
    problems: dict[str, str] = field(default_factory=dict)
    clock: Clock = SYSTEM_CLOCK  # what the use cases' units of work read the time from
    # Built on first use (`async_engine`): the indexer and the audit never use one.
    _async_engine: AsyncEngine | None = field(default=None, repr=False)
    _handlers: Handlers | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def async_engine(self) -> AsyncEngine:
        if self._async_engine is None:
            with self._lock:  # `loyalty serve`'s threads: one engine, whoever asks first
                if self._async_engine is None:
                    self._async_engine = make_async_engine(self.settings.database_url)
        return self._async_engine

    @async_engine.setter
    def async_engine(self, engine: AsyncEngine) -> None:
        self._async_engine = engine

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work on the async engine, with the core's handlers: what every use
        case takes (loyalty.services.uow)."""
        # Here: the service layer loads only in processes that run use cases.
        from loyalty.services.handlers import registry
        from loyalty.services.uow import UnitOfWork

        if self._handlers is None:
            self._handlers = registry()
        return UnitOfWork(self.async_engine, self._handlers, clock=self.clock)

    @classmethod
    def start(
        cls, settings: Settings, *, deploy_if_missing: bool | None = None, read_only: bool = False
    ) -> Runtime:
        """Connects to the database and chain. On the embedded chain the token is deployed on
        first start; on a real node it must have been deployed with `loyalty deploy`.
        `read_only` (never deploying) is for processes that only read the chain: on the
        embedded chain they skip eth-tester and web3 (loyalty.chain.connect)."""
        if read_only:
            deploy_if_missing = False
        if deploy_if_missing is None:
            deploy_if_missing = settings.embedded_chain
        engine = make_engine(settings.database_url)
        chain = connect(settings, read_only=read_only)
        try:
            if deploy_if_missing:
                # Here: deploying needs web3, which only the embedded chain's processes load.
                from loyalty.deploy import ensure_deployed

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
            chain=chain,
            deployment=deployment,
        )

    async def aclose(self) -> None:
        if self._async_engine is not None:
            await self._async_engine.dispose()
        self.close()

    def close(self) -> None:
        """Closes from synchronous code (pooled async connections are dropped, not awaited)."""
        if self._async_engine is not None:
            self._async_engine.sync_engine.dispose()
        self.engine.dispose()
        self.chain.close()

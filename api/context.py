"""The typed per-request context handed to every resolver."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket

from api.auth import ANONYMOUS, Principal
from api.config import ApiConfig
from api.dataloaders import Loaders, make_loaders
from api.errors import ApiError
from api.live_events import Hub
from loyalty.runtime import Runtime


@dataclass
class Context:
    request: Request | WebSocket
    response: Any
    runtime: Runtime
    config: ApiConfig  # what the API reads of the settings (resolvers never see Settings)
    principal: Principal = ANONYMOUS
    auth_error: ApiError | None = None  # a credential that did not verify (api.limits refuses)
    connection_params: dict[str, Any] | None = None  # WebSocket connection_init payload
    events: Hub | None = None  # live events for subscriptions (api.schema.subscriptions)
    _loaders: Loaders | None = field(default=None, repr=False)

    @property
    def loaders(self) -> Loaders:
        """This request's DataLoaders, made on first use."""
        if self._loaders is None:
            self._loaders = make_loaders(lambda: self.runtime.async_engine)
        return self._loaders

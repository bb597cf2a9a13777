"""The typed per-request context handed to every resolver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket

from api.auth import ANONYMOUS, Principal
from loyalty.runtime import Runtime


@dataclass
class Context:
    request: Request | WebSocket
    response: Any
    runtime: Runtime
    principal: Principal = ANONYMOUS

"""Per-request (and per-websocket) GraphQL context."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket

from core.auth import Principal
from models.users import User
from schema.loaders import Loaders
from services.runtime import Runtime


@dataclass
class Context:
    runtime: Runtime
    request: Request | WebSocket
    request_id: str
    principal: Principal | None = None
    auth_error: str | None = None
    user: User | None = None
    connection_params: dict[str, Any] | None = None

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.runtime.presence)

    def fresh_loaders(self, loaders: Loaders | None = None) -> Loaders:
        """New loaders (subscriptions call this per event so each event reads fresh rows).

        Pass `loaders` to share one fresh set between the subscribers of the same event."""
        self.__dict__["loaders"] = loaders or Loaders(self.runtime.presence)
        return self.loaders

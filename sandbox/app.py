"""The sandbox Starlette app: /auth, /api, /_sandbox under its root URL."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from sandbox import (
    admin,
    admin_index,
    admin_sites,
    oauth,
    rest_agile,
    rest_filters,
    rest_platform,
    rest_webhooks,
)
from sandbox.config import SandboxConfig
from sandbox.faults import FaultMiddleware
from sandbox.persistence import PersistMiddleware
from sandbox.requestlog import RequestLogMiddleware
from sandbox.state import SandboxState


async def index(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    return JSONResponse(
        {
            "service": "Jira Cloud sandbox",
            "authBaseUrl": f"{state.root_url}/auth",
            "apiBaseUrl": f"{state.root_url}/api",
            "adminUrl": f"{state.root_url}/_sandbox",
        }
    )


ADMIN_ROUTES = [Route("/", admin_index.page, methods=["GET"]), *admin.ROUTES, *admin_sites.ROUTES]


def create_sandbox_app(
    *, root_url: str, config: SandboxConfig | None = None, state_file: str | Path | None = None
) -> Starlette:
    """`root_url` is where this app is reachable (e.g. http://127.0.0.1:9000 or PUBLIC_URL/sandbox).

    Mounted inside another app, the parent's lifespan does not reach this one: webhook
    deliveries then start lazily, and `app.state.sandbox.dispatcher.aclose()` may be awaited
    at shutdown to close its HTTP client.

    `state_file` (or `config.state_file`): a JSON file the world is loaded from at start-up
    and saved to after changes; mounted, await `app.state.sandbox.aclose()` at shutdown so
    the last change is written.
    """
    config = config or SandboxConfig()
    if state_file is not None:
        config = replace(config, state_file=state_file)
    state = SandboxState(config, root_url)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await state.aclose()

    api_routes = [
        *oauth.API_ROUTES,
        *rest_platform.ROUTES,
        *rest_agile.ROUTES,
        *rest_webhooks.ROUTES,
        *rest_filters.ROUTES,
    ]
    persisted = [Middleware(PersistMiddleware, persistence=state.persistence)]
    app = Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Mount("/auth", routes=oauth.AUTH_ROUTES),
            Mount("/api", routes=api_routes),
            # The page answers /_sandbox itself (no slash redirect, which breaks when mounted).
            Route("/_sandbox", admin_index.page, methods=["GET"]),
            Mount("/_sandbox", routes=ADMIN_ROUTES),
        ],
        middleware=[
            *(persisted if state.persistence else []),
            Middleware(RequestLogMiddleware, log=state.log, clock=state.clock),
            Middleware(FaultMiddleware, rules=state.fault_rules, clock=state.clock),
        ],
        lifespan=lifespan,
    )
    app.state.sandbox = state
    return app

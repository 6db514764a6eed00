"""The sandbox Starlette app: /auth, /api, /_sandbox under its root URL."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from sandbox import admin, admin_index, oauth, rest_agile, rest_platform, rest_webhooks
from sandbox.config import SandboxConfig
from sandbox.faults import FaultMiddleware
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


def create_sandbox_app(*, root_url: str, config: SandboxConfig | None = None) -> Starlette:
    """`root_url` is where this app is reachable (e.g. http://127.0.0.1:9000 or PUBLIC_URL/sandbox).

    Mounted inside another app, the parent's lifespan does not reach this one: webhook
    deliveries then start lazily, and `app.state.sandbox.dispatcher.aclose()` may be awaited
    at shutdown to close its HTTP client.
    """
    state = SandboxState(config or SandboxConfig(), root_url)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await state.dispatcher.aclose()

    api_routes = [
        *oauth.API_ROUTES,
        *rest_platform.ROUTES,
        *rest_agile.ROUTES,
        *rest_webhooks.ROUTES,
    ]
    app = Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Mount("/auth", routes=oauth.AUTH_ROUTES),
            Mount("/api", routes=api_routes),
            # The page answers /_sandbox itself (no slash redirect, which breaks when mounted).
            Route("/_sandbox", admin_index.page, methods=["GET"]),
            Mount(
                "/_sandbox", routes=[Route("/", admin_index.page, methods=["GET"]), *admin.ROUTES]
            ),
        ],
        middleware=[
            Middleware(RequestLogMiddleware, log=state.log, clock=state.clock),
            Middleware(FaultMiddleware, rules=state.fault_rules, clock=state.clock),
        ],
        lifespan=lifespan,
    )
    app.state.sandbox = state
    return app

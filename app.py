"""The Starlette application: /graphql (HTTP + WS), Jira callback and webhooks, health."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from core.db import close_db, init_db
from core.logging import configure_logging
from core.runtime import Runtime
from core.settings import Settings, get_settings
from schema import build_schema
from web.graphiql import ASSETS_DIR
from web.graphql_view import GraphQLView
from web.health import healthz, readyz
from web.middleware import BodySizeLimitMiddleware, RequestIdMiddleware

log = logging.getLogger("agilekit.app")


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    settings.check_production()
    configure_logging(settings.log_level, settings.log_json)
    runtime = Runtime(settings=settings)
    graphql = GraphQLView(build_schema(settings), runtime)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await init_db(settings.database_url)
        try:
            async with contextlib.AsyncExitStack() as stack:
                await start_runtime(runtime, stack)
                log.info("AgileKit API ready at %s/graphql", settings.public_url)
                yield
        finally:
            await close_db()

    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Mount(
            "/static/graphiql",
            StaticFiles(directory=ASSETS_DIR, check_dir=False),
            name="graphiql_assets",
        ),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type", "x-request-id"],
            ),
        ],
    )
    app.state.runtime = runtime
    return app


async def start_runtime(runtime: Runtime, stack: contextlib.AsyncExitStack) -> None:
    """Start the process-wide collaborators (bus, jobs, clients) and register their cleanup."""

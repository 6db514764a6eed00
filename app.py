"""The Starlette application: /graphql (HTTP + WS), Jira callback and webhooks, health."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from core.bus import make_bus
from core.db import close_db, init_db
from core.jobs import open_job_queue
from core.logging import configure_logging
from core.runtime import Runtime, make_jira_http, make_redis
from core.settings import Settings, get_settings
from jobs.registry import CRON_JOBS, FUNCTIONS
from schema import build_schema
from services.demo import seed_demo_data
from services.jira.push import bind_runtime as bind_push_runtime
from web.graphiql import ASSETS_DIR
from web.graphql_view import GraphQLView
from web.health import healthz, readyz
from web.jira_callback import jira_callback
from web.jira_webhooks import jira_webhook
from web.middleware import BodySizeLimitMiddleware, RequestIdMiddleware

log = logging.getLogger(__name__)


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
                if sandbox_app is not None:
                    stack.push_async_callback(sandbox_app.state.sandbox.dispatcher.aclose)
                if settings.is_development and settings.seed_demo_data:
                    await seed_demo_data()
                tune_gc()
                log.info("AgileKit API ready at %s/graphql", settings.public_url)
                yield
        finally:
            await close_db()

    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/integrations/jira/callback", jira_callback, methods=["GET"]),
        Route("/webhooks/jira", jira_webhook, methods=["POST"]),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Mount(
            "/static/graphiql",
            StaticFiles(directory=ASSETS_DIR, check_dir=False),
            name="graphiql_assets",
        ),
    ]
    sandbox_app = None
    if settings.sandbox_mounted:  # development: the whole Jira flow with no Atlassian account
        from sandbox import create_sandbox_app

        sandbox_app = create_sandbox_app(root_url=f"{settings.public_url}/sandbox")
        routes.append(Mount("/sandbox", sandbox_app))
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


def tune_gc() -> None:
    """Start-up objects live for good: freeze them out of every GC pass. Fewer, larger young
    collections keep full passes over hundreds of live subscriptions rare (each one stalls
    every websocket of the process; see bench/fanout.py)."""
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


async def start_runtime(runtime: Runtime, stack: contextlib.AsyncExitStack) -> None:
    """Start the process-wide collaborators (bus, jobs, clients) and register their cleanup."""
    runtime.redis = make_redis(runtime.settings)
    if runtime.redis is not None:
        stack.push_async_callback(runtime.redis.aclose)
    runtime.jira_http = make_jira_http()
    stack.push_async_callback(runtime.jira_http.aclose)
    runtime.bus = make_bus(runtime.settings)
    await runtime.bus.start()
    stack.push_async_callback(runtime.bus.close)
    # Jobs last, so they are closed first (running jobs finish while their clients are open).
    job_ctx = {"runtime": runtime, "settings": runtime.settings}
    runtime.jobs = open_job_queue(runtime.settings, FUNCTIONS, CRON_JOBS, job_ctx)
    bind_push_runtime(runtime)  # the consensus hook enqueues through this runtime
    stack.push_async_callback(runtime.jobs.close)

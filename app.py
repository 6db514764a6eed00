"""The Starlette application: /graphql (HTTP + WS), Jira callback and webhooks, health, and the
web app at / when it is built."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from core.gc_policy import tune_gc
from core.logging import configure_logging
from core.settings import Settings, get_settings
from models.database import close_db, init_db
from schema.composition import build_schema
from services.rooms.demo import seed_demo_data
from web.graphiql import ASSETS_DIR
from web.graphql_view import GraphQLView
from web.health import healthz, readyz
from web.jira_callback import jira_callback
from web.jira_webhooks import JiraWebhookReceiver
from web.metrics import metrics_endpoint
from web.middleware import BodySizeLimitMiddleware, DirectRoute, RequestIdMiddleware
from web.web_app import WebApp
from wiring import build_runtime, start_runtime

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    settings.check_production()
    configure_logging(settings.log_level, settings.log_json)
    runtime = build_runtime(settings)
    graphql = GraphQLView(build_schema(settings), runtime)
    webhooks = JiraWebhookReceiver(runtime)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await init_db(settings.database_url)
        try:
            async with contextlib.AsyncExitStack() as stack:
                await start_runtime(runtime, stack)
                if sandbox_app is not None:
                    stack.push_async_callback(sandbox_app.state.sandbox.aclose)
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
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        Route("/integrations/jira/callback", jira_callback, methods=["GET"]),
        # Every method, so the web app's catch-all never answers a GET; POSTs come by DirectRoute.
        Route("/webhooks/jira", webhooks),
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
        from sandbox import create_sandbox_app, state_file_beside

        sandbox_app = create_sandbox_app(
            root_url=f"{settings.public_url}/sandbox",
            state_file=state_file_beside(settings.database_url),  # restarts keep the world
        )
        routes.append(Mount("/sandbox", sandbox_app))
    if WebApp.built(settings.web_app_dir):  # last: the API's routes come first
        web_app = GZipMiddleware(WebApp(settings.web_app_dir), minimum_size=1024)
        routes.append(Mount("/", web_app, name="web_app"))
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(  # Jira's bursts: thousands of small requests (web/jira_webhooks.py)
                DirectRoute, method="POST", path="/webhooks/jira", endpoint=webhooks
            ),
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

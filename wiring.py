"""The composition root: the one place that builds a process's Runtime and connects the domains.

The server (app.py) and the arq worker (`agilekit worker`, `arq wiring.WorkerSettings`) both
start here. Every path from one domain into another is connected in `connect_hooks`:

- consensus -> push: voting completes with a final estimate (services/rooms/voting.py) ->
  services/jira/push.py queues the push when the room's mapping has autoPushEstimates.
- webhook -> auto-import: the inbox (services/jira/webhooks/inbox.py) sees an issue enter a
  sprint -> services/jira/auto_import.py imports it into the mapped rooms.
- webhook -> sprint moves: the inbox sees an issue's Sprint field change ->
  services/jira/sprint_moves.py re-reads whether the room's link is still in the mapped sprint.
- disconnect -> release webhooks: a Jira connection is about to be deleted
  (services/jira/connection.py) -> its webhook registrations are deleted in Jira.

Background work goes through `runtime.scheduler` (jobs/schedule.py), so services never name a
job.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

import httpx
import redis.asyncio as aioredis

from core.bus import make_bus
from core.gc_policy import tune_gc
from core.jobs import open_job_queue
from core.settings import Settings, get_settings
from core.tracing import SERVER_SERVICE, WORKER_SERVICE, start_tracing
from jobs import worker
from jobs.jira.webhook_registrations import REFRESH_JIRA_WEBHOOKS
from jobs.registry import FUNCTIONS, cron_jobs
from jobs.schedule import JobSchedule
from models.database import close_db, init_db
from services.jira import auto_import, push, sprint_moves
from services.jira.rate_budget import make_jira_budget
from services.jira.webhooks import registrations
from services.runtime import Hooks, Runtime
from web.metrics import serve_metrics

log = logging.getLogger(__name__)

# Every outbound call to Atlassian has a timeout; one pooled client per process.
JIRA_HTTP_TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=20.0, pool=10.0)


def connect_hooks(hooks: Hooks) -> None:
    hooks.issue_estimated.append(push.push_on_consensus)
    hooks.jira_issue_entered.append(auto_import.import_entered_issue)
    hooks.jira_issue_entered.append(sprint_moves.apply_sprint_move)
    hooks.before_jira_disconnect.append(registrations.delete_connection_webhooks)


def build_runtime(
    settings: Settings,
    *,
    jira_transport: httpx.AsyncBaseTransport | None = None,
    service: str = SERVER_SERVICE,
) -> Runtime:
    """A process's Runtime with its hooks and scheduler; `start_runtime` opens the rest.
    `jira_transport` replaces the network under the Jira client (tests: the sandbox in-process).
    `service`: the traces' default service name (tracing is off without an OTLP endpoint).
    """
    runtime = Runtime(
        settings=settings,
        jira_http=make_jira_http(jira_transport),
        jira_budget=make_jira_budget(settings, None),  # shared once start_runtime opens Redis
        tracing=start_tracing(settings, service),
    )
    runtime.scheduler = JobSchedule(runtime)
    connect_hooks(runtime.hooks)
    return runtime


async def start_runtime(runtime: Runtime, stack: contextlib.AsyncExitStack) -> None:
    """Open Redis, the bus and the job queue, and register their cleanup on `stack`."""
    settings = runtime.settings
    stack.callback(runtime.tracing.shutdown)  # first, so it runs last: flushes every span
    if runtime.jira_http is not None:
        stack.push_async_callback(runtime.jira_http.aclose)
    runtime.redis = make_redis(settings)
    if runtime.redis is not None:
        stack.push_async_callback(runtime.redis.aclose)
        runtime.jira_budget = make_jira_budget(settings, runtime.redis)
    runtime.bus = make_bus(settings)
    await runtime.bus.start()
    stack.push_async_callback(runtime.bus.close)
    stack.push_async_callback(runtime.presence.close)
    # Jobs last, so they are closed first (running jobs finish while their clients are open).
    job_ctx = {"runtime": runtime, "settings": settings}
    runtime.jobs = open_job_queue(settings, FUNCTIONS, cron_jobs(settings), job_ctx)
    stack.push_async_callback(runtime.jobs.close)
    if settings.sandbox_mounted and settings.database_url.startswith("sqlite"):
        await queue_startup_webhook_check(runtime)


# The embedded default (SQLite and the mounted sandbox, whose worlds belong together): the
# sandbox may have been reset (state file deleted, POST /_sandbox/reset) while we were down, so
# the registrations are listed and re-made soon after start-up. A development server on a
# shared PostgreSQL database would refresh other Jiras' connections against its own sandbox.
# Queued, never awaited: start-up does not wait for Jira. Production (and a development server
# against another Jira) relies on the daily refresh and reconnects.
STARTUP_CHECK_DELAY_S = 3.0


async def queue_startup_webhook_check(runtime: Runtime) -> bool:
    """Queue one webhook refresh a few seconds from now (one per minute across processes)."""
    if runtime.jobs is None:
        return False
    minute = datetime.now(UTC).strftime("%Y%m%d%H%M")
    job_id = f"{REFRESH_JIRA_WEBHOOKS}:startup:{minute}"
    try:
        return await runtime.jobs.enqueue(
            REFRESH_JIRA_WEBHOOKS, job_id=job_id, defer_by=STARTUP_CHECK_DELAY_S
        )
    except Exception as exc:  # Redis down: the daily cron still runs
        log.warning("start-up webhook check not queued: %s", type(exc).__name__)
        return False


def make_redis(settings: Settings) -> aioredis.Redis | None:
    if not settings.redis_url:
        return None
    return aioredis.from_url(
        settings.redis_url, socket_timeout=5, socket_connect_timeout=3, health_check_interval=30
    )


def make_jira_http(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=JIRA_HTTP_TIMEOUT,
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
        headers={"user-agent": "AgileKit/0.1"},
        transport=transport,
    )


# ---- the arq worker ------------------------------------------------------------------------


async def open_job_context(ctx: dict[str, Any], settings: Settings) -> None:
    """The same process-wide collaborators as the server (Redis, HTTP clients, bus, queue)."""
    runtime = build_runtime(settings, service=WORKER_SERVICE)
    stack = contextlib.AsyncExitStack()
    await start_runtime(runtime, stack)
    ctx.update(runtime=runtime, settings=settings, runtime_stack=stack)


async def close_job_context(ctx: dict[str, Any]) -> None:
    stack: contextlib.AsyncExitStack | None = ctx.pop("runtime_stack", None)
    if stack is not None:
        await stack.aclose()


async def _worker_startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]  # put there by worker_options
    await init_db(settings.database_url)
    await open_job_context(ctx, settings)
    if ctx.get("metrics_address"):  # agilekit worker --metrics-port
        host, port = ctx["metrics_address"]
        await serve_metrics(ctx["runtime"], host, port, ctx["runtime_stack"])
    tune_gc()


async def _worker_shutdown(ctx: dict[str, Any]) -> None:
    try:
        await close_job_context(ctx)
    finally:
        await close_db()


def worker_options(
    settings: Settings, metrics_address: tuple[str, int] | None = None
) -> dict[str, Any]:
    """arq Worker keyword arguments for these settings (WorkerSettings is this, as a class).
    `metrics_address` (host, port): serve GET /metrics there while the worker runs."""
    options = worker.worker_options(
        settings,
        functions=FUNCTIONS,
        cron_jobs=cron_jobs(settings),
        on_startup=_worker_startup,
        on_shutdown=_worker_shutdown,
    )
    if metrics_address is not None:
        options["ctx"] = {**options["ctx"], "metrics_address": metrics_address}
    return options


def settings_class(settings: Settings) -> type:
    """The WorkerSettings class arq expects, its attributes being `worker_options(settings)`."""
    # Importable without Redis too: `agilekit worker` refuses to run then, with a message.
    options = worker_options(settings) if settings.redis_url else {}
    return type("WorkerSettings", (), options)


def __getattr__(name: str) -> Any:
    """`arq wiring.WorkerSettings` runs the same jobs with arq's plain Worker (which exits when
    Redis goes away; `agilekit worker` rides the outage out). Built on first use, so importing
    this module reads no settings."""
    if name == "WorkerSettings":
        return settings_class(get_settings())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

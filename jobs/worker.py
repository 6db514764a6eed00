"""The arq worker: `agilekit worker` (or `arq jobs.worker.WorkerSettings`) runs this."""

from __future__ import annotations

import contextlib
from datetime import UTC
from typing import Any

from arq.connections import RedisSettings

from core.db import close_db, init_db
from core.jobs import (
    KEEP_RESULT_S,
    MAX_JOBS,
    MAX_TRIES,
    SHUTDOWN_GRACE_S,
    deserialize,
    prefixed_cron_jobs,
    queue_name,
    serialize,
)
from core.runtime import Runtime
from core.settings import Settings, get_settings
from jobs.registry import CRON_JOBS, FUNCTIONS

HEALTH_CHECK_INTERVAL_S = 30


async def open_job_context(ctx: dict[str, Any], settings: Settings) -> None:
    """The same process-wide collaborators as the server (Redis, HTTP clients, bus, queue)."""
    from app import start_runtime  # the app module builds the runtime; import it lazily

    runtime = Runtime(settings=settings)
    stack = contextlib.AsyncExitStack()
    await start_runtime(runtime, stack)
    ctx.update(runtime=runtime, settings=settings, runtime_stack=stack)


async def close_job_context(ctx: dict[str, Any]) -> None:
    stack: contextlib.AsyncExitStack | None = ctx.pop("runtime_stack", None)
    if stack is not None:
        await stack.aclose()


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]  # put there by worker_options
    await init_db(settings.database_url)
    await open_job_context(ctx, settings)


async def shutdown(ctx: dict[str, Any]) -> None:
    try:
        await close_job_context(ctx)
    finally:
        await close_db()


def worker_options(settings: Settings) -> dict[str, Any]:
    """arq Worker keyword arguments for these settings (WorkerSettings is this, as a class)."""
    if not settings.redis_url:
        raise ValueError("The arq worker needs REDIS_URL.")
    return {
        "functions": FUNCTIONS,
        "cron_jobs": prefixed_cron_jobs(CRON_JOBS, settings.redis_prefix),
        "queue_name": queue_name(settings),
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "job_serializer": serialize,
        "job_deserializer": deserialize,
        "timezone": UTC,  # cron schedules are read in UTC
        "health_check_interval": HEALTH_CHECK_INTERVAL_S,
        "max_tries": MAX_TRIES,
        "job_timeout": settings.job_timeout_s,
        "keep_result": KEEP_RESULT_S,
        "max_jobs": MAX_JOBS,
        "job_completion_wait": int(SHUTDOWN_GRACE_S),  # SIGTERM: finish running jobs first
        "ctx": {"settings": settings},
        "on_startup": startup,
        "on_shutdown": shutdown,
    }


def settings_class(settings: Settings) -> type:
    """The WorkerSettings class arq expects, its attributes being `worker_options(settings)`."""
    # Importable without Redis too: `agilekit worker` refuses to run then, with a message.
    options = worker_options(settings) if settings.redis_url else {}
    return type("WorkerSettings", (), options)


# `arq jobs.worker.WorkerSettings` runs the same jobs with arq's plain Worker, which exits when
# Redis goes away; `agilekit worker` (jobs/resilient_worker.py) rides the outage out.
WorkerSettings = settings_class(get_settings())

"""The arq worker's options as data. wiring.py supplies the jobs and the start-up that builds
the process's runtime; `agilekit worker` and `arq wiring.WorkerSettings` run it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC
from typing import Any

from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.worker import Function

from core.jobs import (
    KEEP_RESULT_S,
    MAX_JOBS,
    MAX_TRIES,
    POLL_DELAY_S,
    SHUTDOWN_GRACE_S,
    deserialize,
    prefixed_cron_jobs,
    queue_name,
    serialize,
)
from core.settings import Settings

HEALTH_CHECK_INTERVAL_S = 30

Lifecycle = Callable[[dict[str, Any]], Awaitable[None]]


def worker_options(
    settings: Settings,
    *,
    functions: list[Function],
    cron_jobs: Sequence[CronJob],
    on_startup: Lifecycle,
    on_shutdown: Lifecycle,
) -> dict[str, Any]:
    """arq Worker keyword arguments for these settings."""
    if not settings.redis_url:
        raise ValueError("The arq worker needs REDIS_URL.")
    return {
        "functions": functions,
        "cron_jobs": prefixed_cron_jobs(list(cron_jobs), settings.redis_prefix),
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
        "poll_delay": POLL_DELAY_S,
        "job_completion_wait": int(SHUTDOWN_GRACE_S),  # SIGTERM: finish running jobs first
        "ctx": {"settings": settings},
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
    }

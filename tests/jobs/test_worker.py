"""jobs.worker and wiring's worker half: the arq WorkerSettings and the ctx its jobs get."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC
from typing import Any

import pytest
from arq.worker import func

from core.jobs import ArqJobQueue, deserialize, serialize
from core.settings import Settings
from jobs.registry import FUNCTIONS, cron_jobs
from services.runtime import Runtime
from tests.jobs.support import arq_queue, job_settings, run_burst_worker
from wiring import close_job_context, open_job_context, settings_class, worker_options

SEEN: dict[str, dict[str, Any]] = {}


async def inspect_ctx(ctx: dict[str, Any], token: str) -> None:
    runtime = ctx["runtime"]
    SEEN[token] = {"runtime": runtime, "jobs": runtime.jobs, "settings": ctx["settings"]}


@pytest.fixture
async def settings(database_url: str, redis_prefix: str) -> AsyncIterator[Settings]:
    async with job_settings(database_url, redis_prefix) as settings:
        yield settings


def test_worker_settings_follow_the_platform_rules() -> None:
    settings = Settings(redis_url="redis://127.0.0.1:6390/2", redis_prefix="acme")
    worker_settings: Any = settings_class(settings)
    assert worker_settings.timezone is UTC
    assert worker_settings.health_check_interval <= 60
    assert worker_settings.job_serializer is serialize
    assert worker_settings.job_deserializer is deserialize
    assert worker_settings.queue_name == "acme:queue"
    redis = worker_settings.redis_settings
    assert (redis.host, redis.port, redis.database) == ("127.0.0.1", 6390, 2)
    assert worker_settings.functions is FUNCTIONS
    assert [job.name for job in worker_settings.cron_jobs] == [
        f"acme:{job.name}" for job in cron_jobs(settings)
    ]
    assert worker_settings.on_startup and worker_settings.on_shutdown
    assert worker_settings.ctx == {"settings": settings}
    assert worker_settings.job_completion_wait > 0  # SIGTERM lets running jobs finish


def test_worker_needs_redis() -> None:
    with pytest.raises(ValueError, match="REDIS_URL"):
        worker_options(Settings(redis_url=None))


async def test_jobs_get_the_runtime_with_an_arq_queue(settings: Settings) -> None:
    token = uuid.uuid4().hex

    async def startup(ctx: dict[str, Any]) -> None:
        await open_job_context(ctx, settings)

    async with arq_queue(settings) as queue:
        assert await queue.enqueue("inspect_ctx", token)
    await run_burst_worker(
        settings,
        functions=[func(inspect_ctx, name="inspect_ctx")],
        cron_jobs=[],
        on_startup=startup,
        on_shutdown=close_job_context,
    )
    assert isinstance(SEEN[token]["runtime"], Runtime)
    assert isinstance(SEEN[token]["jobs"], ArqJobQueue)
    assert SEEN[token]["settings"] is settings

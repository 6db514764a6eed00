"""purge_expired: deletes only OAuth states expired past the grace, on both job paths."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from arq.jobs import Job

from core.jobs import InProcessJobQueue, deserialize
from core.settings import Settings
from jobs.registry import FUNCTIONS, cron_jobs
from tests.jobs.support import arq_queue, job_settings, make_states, remaining, run_burst_worker


@pytest.fixture
async def settings(database_url: str, redis_prefix: str) -> AsyncIterator[Settings]:
    async with job_settings(database_url, redis_prefix) as settings:
        yield settings


async def test_purge_on_the_in_process_queue_deletes_only_long_expired_rows() -> None:
    ids = await make_states()
    queue = InProcessJobQueue(FUNCTIONS, cron_jobs(Settings()))
    assert await queue.enqueue("purge_expired") is True
    await queue.join()
    await queue.close()
    assert await remaining(ids) == {"just_expired", "valid"}


async def test_purge_on_an_arq_burst_worker_deletes_only_long_expired_rows(
    settings: Settings,
) -> None:
    ids = await make_states()
    async with arq_queue(settings) as queue:
        assert await queue.enqueue("purge_expired", job_id="purge-now") is True
        # No crons: the voting-timer sweep (every 5 s) would run in the burst too.
        worker = await run_burst_worker(settings, cron_jobs=[])
        result = await Job(
            f"{settings.redis_prefix}:purge-now", queue.redis, _deserializer=deserialize
        ).result_info()
    assert worker.jobs_complete == 1 and worker.jobs_failed == 0
    assert await remaining(ids) == {"just_expired", "valid"}
    assert result is not None and result.success and result.result >= 1


def test_purge_is_scheduled_as_a_cron() -> None:
    (purge,) = [job for job in cron_jobs(Settings()) if job.coroutine.__name__ == "purge_expired"]
    assert purge.minute is not None and purge.hour is None  # hourly
    assert purge.unique

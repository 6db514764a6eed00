"""jobs/schedule.py: what services ask for, queued under the job names and ids it knows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq.worker import func

from core.jobs import InProcessJobQueue
from core.settings import Settings
from jobs.jira.webhook_inbox import APPLY_JIRA_WEBHOOKS
from jobs.schedule import JobSchedule
from services.runtime import Runtime

WINDOW_START = 1_790_000_000.0  # a window boundary (windows are 0.02 s)


class RecordingQueue(InProcessJobQueue):
    """The in-process queue, noting every enqueue it is asked for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[str | None] = []

    async def enqueue(
        self, name: str, *args: Any, job_id: str | None = None, defer_by: float | None = None
    ) -> bool:
        self.asked.append(job_id)
        return await super().enqueue(name, *args, job_id=job_id, defer_by=defer_by)


async def apply_nothing(ctx: dict[str, Any]) -> None:
    return None


@pytest.fixture
async def queue() -> AsyncIterator[RecordingQueue]:
    recording = RecordingQueue([func(apply_nothing, name=APPLY_JIRA_WEBHOOKS)], ctx={})
    recording.start()
    try:
        yield recording
    finally:
        await recording.close()


async def test_a_webhook_window_is_queued_once_by_this_process(queue: RecordingQueue) -> None:
    now = [WINDOW_START + 0.001]
    runtime = Runtime(settings=Settings(agilekit_env="development"))
    runtime.jobs = queue
    schedule = JobSchedule(runtime, clock=lambda: now[0])
    assert await schedule.apply_jira_webhooks() is True
    now[0] = WINDOW_START + 0.015  # the same window: nothing asked of the queue
    assert await schedule.apply_jira_webhooks() is False
    now[0] = WINDOW_START + 0.021  # the next one
    assert await schedule.apply_jira_webhooks() is True
    assert queue.asked == ["jira-webhooks:89500000000", "jira-webhooks:89500000001"]


async def test_a_window_asked_for_before_the_queue_started_is_queued_once_it_has(
    queue: RecordingQueue,
) -> None:
    runtime = Runtime(settings=Settings(agilekit_env="development"))
    schedule = JobSchedule(runtime, clock=lambda: WINDOW_START + 0.001)
    assert await schedule.apply_jira_webhooks() is False  # no queue yet: the sweeper's work
    runtime.jobs = queue  # the queue starts after the runtime
    assert await schedule.apply_jira_webhooks() is True
    assert queue.asked == ["jira-webhooks:89500000000"]


class WaitingQueue(RecordingQueue):
    """Each enqueue waits for `answer` (a round trip to Redis), then fails if `fail` is set."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answer = asyncio.Event()
        self.fail = False

    async def enqueue(
        self, name: str, *args: Any, job_id: str | None = None, defer_by: float | None = None
    ) -> bool:
        self.asked.append(job_id)
        await self.answer.wait()
        if self.fail:
            raise ConnectionError("Redis is down")
        return await InProcessJobQueue.enqueue(self, name, *args, job_id=job_id, defer_by=defer_by)


@pytest.fixture
async def waiting() -> AsyncIterator[WaitingQueue]:
    queue = WaitingQueue([func(apply_nothing, name=APPLY_JIRA_WEBHOOKS)], ctx={})
    queue.start()
    try:
        yield queue
    finally:
        await queue.close()


def schedule_on(queue: RecordingQueue) -> JobSchedule:
    runtime = Runtime(settings=Settings(agilekit_env="development"))
    runtime.jobs = queue
    return JobSchedule(runtime, clock=lambda: WINDOW_START + 0.001)


async def test_deliveries_arriving_while_the_window_is_being_queued_ask_nothing(
    waiting: WaitingQueue,
) -> None:
    schedule = schedule_on(waiting)
    calls = [asyncio.create_task(schedule.apply_jira_webhooks()) for _ in range(8)]
    await asyncio.sleep(0)
    waiting.answer.set()
    assert sorted(await asyncio.gather(*calls)) == [False] * 7 + [True]
    assert waiting.asked == ["jira-webhooks:89500000000"]


async def test_a_window_whose_enqueue_failed_is_asked_for_again(waiting: WaitingQueue) -> None:
    schedule = schedule_on(waiting)
    waiting.answer.set()
    waiting.fail = True
    with pytest.raises(ConnectionError):
        await schedule.apply_jira_webhooks()
    waiting.fail = False
    assert await schedule.apply_jira_webhooks() is True
    assert waiting.asked == ["jira-webhooks:89500000000"] * 2

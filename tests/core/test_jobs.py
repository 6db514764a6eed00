"""core.jobs: the in-process queue keeps arq's rules; both paths retry and dedupe alike."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from arq.cron import cron
from arq.jobs import SerializationError
from arq.worker import Retry, func

from core.jobs import InProcessJobQueue, QueueStats, deserialize, queue_name, serialize
from core.settings import Settings
from tests.jobs.support import arq_queue, job_settings, run_burst_worker

# What each test job saw, by the token passed as its first argument.
SEEN: dict[str, list[dict[str, Any]]] = {}


async def flaky(ctx: dict[str, Any], token: str, succeed_on_try: int) -> str:
    SEEN.setdefault(token, []).append({"try": ctx["job_try"], "at": time.monotonic()})
    if ctx["job_try"] < succeed_on_try:
        raise Retry(defer=0.1)
    return f"done on try {ctx['job_try']}"


async def record(ctx: dict[str, Any], token: str, *rest: Any) -> int:
    SEEN.setdefault(token, []).append({"try": ctx["job_try"], "args": list(rest)})
    return len(SEEN[token])


async def sleep_for(ctx: dict[str, Any], token: str, seconds: float) -> None:
    SEEN.setdefault(token, []).append({"started": True})
    await asyncio.sleep(seconds)
    SEEN[token].append({"finished": True})


TEST_FUNCTIONS = [
    func(flaky, name="flaky", max_tries=3),
    func(record, name="record"),
    func(sleep_for, name="sleep_for"),
]


def new_token() -> str:
    return uuid.uuid4().hex


@pytest.fixture
async def settings(database_url: str, redis_prefix: str) -> AsyncIterator[Settings]:
    async with job_settings(database_url, redis_prefix) as settings:
        yield settings


async def run_in_process(calls: list[tuple[str, tuple[Any, ...], str | None]]) -> list[bool]:
    queue = InProcessJobQueue(TEST_FUNCTIONS)
    accepted = [await queue.enqueue(name, *args, job_id=job_id) for name, args, job_id in calls]
    await queue.join()
    await queue.close()
    return accepted


async def run_on_arq(
    settings: Settings, calls: list[tuple[str, tuple[Any, ...], str | None]]
) -> list[bool]:
    async with arq_queue(settings) as queue:
        accepted = [await queue.enqueue(name, *args, job_id=job_id) for name, args, job_id in calls]
    await run_burst_worker(settings, functions=TEST_FUNCTIONS, cron_jobs=[])
    return accepted


@pytest.mark.parametrize("path", ["in_process", "arq"])
async def test_retry_reschedules_with_its_defer_until_max_tries(
    path: str, settings: Settings
) -> None:
    gives_up, succeeds = new_token(), new_token()
    calls = [("flaky", (gives_up, 99), None), ("flaky", (succeeds, 2), None)]
    if path == "arq":
        await run_on_arq(settings, calls)
    else:
        await run_in_process(calls)

    # max_tries=3: three runs, then the job is given up (not run a fourth time).
    assert [seen["try"] for seen in SEEN[gives_up]] == [1, 2, 3]
    assert [seen["try"] for seen in SEEN[succeeds]] == [1, 2]
    times = [seen["at"] for seen in SEEN[gives_up]]
    assert all(later - earlier >= 0.09 for earlier, later in itertools.pairwise(times))


@pytest.mark.parametrize("path", ["in_process", "arq"])
async def test_job_id_deduplicates_while_queued_and_after(path: str, settings: Settings) -> None:
    token = new_token()
    calls = [
        ("record", (token, 1), "same-id"),
        ("record", (token, 2), "same-id"),
        ("record", (token, 3), "other-id"),
        ("record", (token, 4), None),
        ("record", (token, 5), None),
    ]
    if path == "arq":
        accepted = await run_on_arq(settings, calls)
        async with arq_queue(settings) as queue:  # the kept result still holds the id
            assert await queue.enqueue("record", token, 6, job_id="same-id") is False
    else:
        queue = InProcessJobQueue(TEST_FUNCTIONS)
        accepted = [await queue.enqueue(name, *args, job_id=jid) for name, args, jid in calls]
        await queue.join()
        assert await queue.enqueue("record", token, 6, job_id="same-id") is False
        await queue.close()

    assert accepted == [True, False, True, True, True]
    assert sorted(seen["args"][0] for seen in SEEN[token]) == [1, 3, 4, 5]


async def test_ids_free_up_after_the_keep_result_window() -> None:
    token = new_token()
    queue = InProcessJobQueue(TEST_FUNCTIONS, keep_result=0.2)
    assert await queue.enqueue("record", token, job_id="kept")
    await queue.join()
    assert await queue.enqueue("record", token, job_id="kept") is False
    await asyncio.sleep(0.25)
    assert await queue.enqueue("record", token, job_id="kept") is True
    await queue.join()
    await queue.close()
    assert len(SEEN[token]) == 2


async def test_arguments_take_the_json_round_trip_of_arq() -> None:
    token = new_token()
    queue = InProcessJobQueue(TEST_FUNCTIONS)
    await queue.enqueue("record", token, (1, 2), {"id": 3})
    await queue.join()
    assert SEEN[token][0]["args"] == [[1, 2], {"id": 3}]
    with pytest.raises(SerializationError):  # what arq's enqueue_job raises too
        await queue.enqueue("record", token, {1, 2})
    await queue.close()


async def test_unknown_job_name_is_refused() -> None:
    queue = InProcessJobQueue(TEST_FUNCTIONS)
    with pytest.raises(LookupError):
        await queue.enqueue("no_such_job")
    await queue.close()


async def test_job_timeout_fails_without_retry() -> None:
    token = new_token()
    queue = InProcessJobQueue([func(sleep_for, name="sleep_for", timeout=0.1)])
    await queue.enqueue("sleep_for", token, 5)
    await queue.join()
    await queue.close()
    assert SEEN[token] == [{"started": True}]


async def test_close_waits_for_running_jobs_and_drops_queued_ones() -> None:
    finishing, deferred = new_token(), new_token()
    queue = InProcessJobQueue(TEST_FUNCTIONS, shutdown_grace=5)
    await queue.enqueue("sleep_for", finishing, 0.2)
    await queue.enqueue("record", deferred, defer_by=30)
    await asyncio.sleep(0.05)
    await queue.close()
    assert SEEN[finishing] == [{"started": True}, {"finished": True}]
    assert deferred not in SEEN
    assert await queue.enqueue("record", deferred) is False


async def test_close_cancels_jobs_running_past_the_grace_period() -> None:
    token = new_token()
    queue = InProcessJobQueue(TEST_FUNCTIONS, shutdown_grace=0.1)
    await queue.enqueue("sleep_for", token, 30)
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await queue.close()
    assert time.monotonic() - started < 2
    assert SEEN[token] == [{"started": True}]


async def test_cron_definitions_run_in_process_on_utc_schedule() -> None:
    token = new_token()

    async def tick(ctx: dict[str, Any]) -> None:
        SEEN.setdefault(token, []).append({"at": datetime.now(UTC), "id": ctx["job_id"]})

    every_second = cron(tick, name="cron:tick", second=set(range(60)), microsecond=0)
    queue = InProcessJobQueue([], [every_second])
    queue.start()
    await asyncio.sleep(2.2)
    await queue.close()
    assert 1 <= len(SEEN[token]) <= 3
    # Each run carries arq's unique cron id: name and the scheduled UTC time in ms.
    for seen in SEEN[token]:
        name, _, scheduled_ms = seen["id"].rpartition(":")
        assert name == "cron:tick"
        assert int(scheduled_ms) % 1000 == 0
        assert abs(seen["at"].timestamp() * 1000 - int(scheduled_ms)) < 500


def test_serializer_is_json() -> None:
    raw = serialize({"a": [1, "x"], "t": datetime(2026, 1, 1, tzinfo=UTC), "r": KeyError("k")})
    assert deserialize(raw) == {
        "a": [1, "x"],
        "t": "2026-01-01T00:00:00+00:00",
        "r": "KeyError('k')",
    }
    with pytest.raises(TypeError):
        serialize({"a": [object()]})


def test_queue_name_lives_under_the_redis_prefix() -> None:
    assert queue_name(Settings(redis_prefix="acme")) == "acme:queue"


async def test_in_process_defer_by_delays_the_job() -> None:
    token = new_token()
    queue = InProcessJobQueue(TEST_FUNCTIONS)
    await queue.enqueue("record", token, defer_by=0.3)
    await asyncio.sleep(0.15)
    assert token not in SEEN
    await queue.join()
    await queue.close()
    assert len(SEEN[token]) == 1


async def test_arq_queue_defers_and_keeps_job_ids_under_the_prefix(settings: Settings) -> None:
    async with arq_queue(settings) as queue:
        before_ms = time.time() * 1000
        assert await queue.enqueue("record", new_token(), job_id="later", defer_by=30)
        job_key = f"{settings.redis_prefix}:later"
        score = await queue.redis.zscore(queue_name(settings), job_key)
        assert await queue.redis.exists(f"arq:job:{job_key}")
    assert score is not None and 29_000 <= score - before_ms <= 31_000


async def test_in_process_stats_count_waiting_jobs_and_the_oldest_due_one() -> None:
    queue = InProcessJobQueue(TEST_FUNCTIONS, max_jobs=1)
    try:
        assert await queue.stats() == QueueStats(0, 0.0)
        await queue.enqueue("sleep_for", new_token(), 0.4)  # takes the only slot
        await queue.enqueue("record", new_token())  # due now, waits for the slot
        await queue.enqueue("record", new_token(), defer_by=60)  # not due yet
        await asyncio.sleep(0.2)
        stats = await queue.stats()
        assert stats.queued == 2 and 0.15 <= stats.oldest_due_age_s < 1.0
    finally:
        await queue.close()  # drops the deferred one


async def test_arq_stats_read_the_queue(settings: Settings) -> None:
    async with arq_queue(settings) as queue:
        assert await queue.stats() == QueueStats(0, 0.0)
        await queue.enqueue("record", new_token())
        await queue.enqueue("record", new_token(), defer_by=60)
        await asyncio.sleep(0.2)
        stats = await queue.stats()
        await queue.redis.delete(queue_name(settings))
    assert stats.queued == 2 and 0.15 <= stats.oldest_due_age_s < 5.0

"""Job enqueueing: arq on Redis, or asyncio tasks in this process with arq's retry rules."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from arq.connections import ArqRedis
from arq.constants import job_key_prefix, result_key_prefix
from arq.cron import CronJob
from arq.jobs import deserialize_job_raw, serialize_job
from arq.utils import to_unix_ms
from arq.worker import Function, Retry, func
from redis.asyncio import ConnectionPool

from core.settings import DEFAULT_JOB_TIMEOUT_S, Settings

log = logging.getLogger(__name__)

# Shared by the arq worker (jobs/worker.py) and the in-process runner: the same rules on both.
MAX_TRIES = 5
KEEP_RESULT_S = 3600.0  # a finished job's id stays taken (deduplicated) this long
MAX_JOBS = 10
POLL_DELAY_S = 0.05  # how often an idle arq worker looks for due jobs (arq's default: 0.5 s)
SHUTDOWN_GRACE_S = 10.0


class JobQueue(Protocol):
    async def enqueue(
        self, name: str, *args: Any, job_id: str | None = None, defer_by: float | None = None
    ) -> bool:
        """Queue `name(ctx, *args)`; False when a job with this id is queued, running or kept."""
        ...

    async def close(self) -> None: ...


def queue_name(settings: Settings) -> str:
    return f"{settings.redis_prefix}:queue"


def serialize(data: dict[str, Any]) -> bytes:
    return json.dumps(data, default=_json_default).encode()


def deserialize(raw: bytes) -> dict[str, Any]:
    return json.loads(raw)


def _json_default(value: object) -> str:
    # Job arguments must be plain JSON (ids); job results may also be exceptions or datetimes.
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, BaseException):
        return repr(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def prefixed_cron_jobs(cron_jobs: Sequence[CronJob], prefix: str) -> list[CronJob]:
    """Copies named under the prefix, so deployments sharing a Redis never dedupe each other."""
    return [dataclasses.replace(job, name=f"{prefix}:{job.name}") for job in cron_jobs]


# arq's enqueue_job as one atomic script: the same keys, the same dedupe (job or result key
# present: not queued), one round trip instead of three (WATCH, EXISTS, MULTI/EXEC). Webhook
# acknowledgements share the event loop with these enqueues (see bench/webhook_ingest.py).
_ENQUEUE_SCRIPT = """
if redis.call('exists', KEYS[1], KEYS[2]) > 0 then return 0 end
redis.call('psetex', KEYS[1], ARGV[1], ARGV[2])
redis.call('zadd', KEYS[3], ARGV[3], ARGV[4])
return 1
"""


@dataclasses.dataclass(frozen=True)
class QueueStats:
    queued: int  # waiting to run, deferred ones included
    oldest_due_age_s: float  # how long the oldest job that is due has waited (0.0: none)


class ArqJobQueue:
    """Enqueues onto the arq queue that `agilekit worker` processes."""

    def __init__(self, redis: ArqRedis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings: Settings) -> ArqJobQueue:
        if not settings.redis_url:
            raise ValueError("ArqJobQueue needs REDIS_URL.")
        # No connection is made here: a server with Redis down still starts (and is not ready).
        pool = ConnectionPool.from_url(
            settings.redis_url, socket_connect_timeout=3, socket_timeout=5
        )
        redis = ArqRedis(
            pool,
            job_serializer=serialize,
            job_deserializer=deserialize,
            default_queue_name=queue_name(settings),
        )
        return cls(redis, settings.redis_prefix)

    async def enqueue(
        self, name: str, *args: Any, job_id: str | None = None, defer_by: float | None = None
    ) -> bool:
        # arq keys its jobs by id alone (arq:job:<id>): namespace them like everything else.
        key = f"{self.prefix}:{job_id or uuid.uuid4().hex}"
        now_ms = int(time.time() * 1000)
        score = now_ms + int((defer_by or 0) * 1000)
        job = serialize_job(name, args, {}, None, now_ms, serializer=serialize)
        expires_ms = score - now_ms + self.redis.expires_extra_ms
        keys = (job_key_prefix + key, result_key_prefix + key, self.redis.default_queue_name)
        created = await self.redis.eval(_ENQUEUE_SCRIPT, 3, *keys, expires_ms, job, score, key)
        return bool(created)

    async def stats(self) -> QueueStats:
        """From the queue's sorted set (scores: when each job is due, in ms)."""
        key, now_ms = self.redis.default_queue_name, time.time() * 1000
        queued = await self.redis.zcard(key)
        due = await self.redis.zrangebyscore(key, "-inf", now_ms, start=0, num=1, withscores=True)
        oldest = max(0.0, (now_ms - due[0][1]) / 1000) if due else 0.0
        return QueueStats(int(queued), oldest)

    async def close(self) -> None:
        await self.redis.aclose()
        await self.redis.connection_pool.disconnect()


@dataclasses.dataclass
class _Job:
    job_id: str
    function: Function
    args: tuple[Any, ...]
    enqueue_time: datetime
    due_at: datetime
    task: asyncio.Task[None] | None = None
    running: bool = False


class InProcessJobQueue:
    """Runs the job functions as asyncio tasks here, with the arq worker's rules.

    A `Retry(defer=...)` reschedules until `max_tries` is exceeded; ctx carries `job_id` and
    `job_try`; an id is taken while its job is queued or running and for `keep_result` seconds
    after; the cron definitions are scheduled in UTC; closing waits for running jobs for a grace
    period, then cancels them. Nothing survives a restart: that is what arq on Redis is for.
    """

    def __init__(
        self,
        functions: Sequence[Function | Any],
        cron_jobs: Sequence[CronJob] = (),
        ctx: dict[str, Any] | None = None,
        *,
        max_tries: int = MAX_TRIES,
        job_timeout: float = DEFAULT_JOB_TIMEOUT_S,
        keep_result: float = KEEP_RESULT_S,
        max_jobs: int = MAX_JOBS,
        shutdown_grace: float = SHUTDOWN_GRACE_S,
    ) -> None:
        self.functions: dict[str, Function] = {f.name: f for f in map(func, functions)}
        self.cron_jobs = [dataclasses.replace(job) for job in cron_jobs]
        for job in self.cron_jobs:
            self.functions[job.name] = func(
                job.coroutine,
                name=job.name,
                timeout=job.timeout_s,
                keep_result=job.keep_result_s,
                max_tries=job.max_tries,
            )
        self.ctx = ctx if ctx is not None else {}
        self.max_tries = max_tries
        self.job_timeout = job_timeout
        self.keep_result = keep_result
        self.shutdown_grace = shutdown_grace
        self._slots = asyncio.Semaphore(max_jobs)
        self._jobs: dict[str, _Job] = {}
        self._kept_until: dict[str, float] = {}  # job id -> monotonic time its id frees up
        self._cron_task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        if self.cron_jobs and self._cron_task is None:
            self._cron_task = asyncio.create_task(self._run_cron(), name="in-process-cron")

    async def enqueue(
        self, name: str, *args: Any, job_id: str | None = None, defer_by: float | None = None
    ) -> bool:
        if self._closing:
            log.warning("job %s not queued: the in-process queue is shutting down", name)
            return False
        function = self.functions.get(name)
        if function is None:
            raise LookupError(f"No job function named {name!r}.")
        job_id = job_id or uuid.uuid4().hex
        self._forget_expired_results()
        if job_id in self._jobs or job_id in self._kept_until:
            return False
        # The same JSON round trip as arq: what runs here also runs on a worker.
        raw = serialize_job(name, args, {}, None, 0, serializer=serialize)
        wire_args = tuple(deserialize_job_raw(raw, deserializer=deserialize)[1])
        now = datetime.now(UTC)
        job = _Job(job_id, function, wire_args, now, now + timedelta(seconds=defer_by or 0.0))
        self._jobs[job_id] = job
        job.task = asyncio.create_task(self._run(job, defer_by or 0.0), name=f"job:{name}")
        return True

    async def stats(self) -> QueueStats:
        now = datetime.now(UTC)
        waiting = [job for job in self._jobs.values() if not job.running]
        due = [job.due_at for job in waiting if job.due_at <= now]
        return QueueStats(len(waiting), (now - min(due)).total_seconds() if due else 0.0)

    async def join(self) -> None:
        """Wait until no job is queued or running (deferred ones included)."""
        while self._jobs:
            await asyncio.gather(
                *(job.task for job in list(self._jobs.values()) if job.task),
                return_exceptions=True,
            )

    async def close(self) -> None:
        self._closing = True
        if self._cron_task:
            self._cron_task.cancel()
        waiting = [job for job in self._jobs.values() if not job.running and job.task]
        for job in waiting:
            job.task.cancel()  # type: ignore[union-attr]
        if waiting:
            log.warning("dropped %d queued in-process job(s) at shutdown", len(waiting))
        running = [job.task for job in self._jobs.values() if job.running and job.task]
        if running:
            _, pending = await asyncio.wait(running, timeout=self.shutdown_grace)
            for task in pending:
                task.cancel()
            if pending:
                log.warning("cancelled %d running in-process job(s) at shutdown", len(pending))
        tasks = [t for t in (self._cron_task, *(j.task for j in self._jobs.values())) if t]
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, job: _Job, delay: float) -> None:
        function = job.function
        max_tries = function.max_tries if function.max_tries is not None else self.max_tries
        timeout = function.timeout_s if function.timeout_s is not None else self.job_timeout
        keep = function.keep_result_s if function.keep_result_s is not None else self.keep_result
        ref = f"{job.job_id}:{function.name}"
        job_try = 0
        try:
            while True:
                if delay > 0:
                    await asyncio.sleep(delay)
                job_try += 1
                if job_try > max_tries:
                    log.warning("job %s: max %d retries exceeded", ref, max_tries)
                    return
                try:
                    async with self._slots:
                        job.running = True
                        await asyncio.wait_for(
                            function.coroutine(self._job_ctx(job, job_try), *job.args), timeout
                        )
                except Retry as retry:
                    delay = (retry.defer_score or 0) / 1000
                    log.info("job %s try %d: retrying in %.2fs", ref, job_try, delay)
                    continue
                except Exception:
                    log.exception("job %s failed on try %d", ref, job_try)
                    return
                finally:
                    job.running = False
                return
        finally:
            self._jobs.pop(job.job_id, None)
            if keep > 0:
                self._kept_until[job.job_id] = time.monotonic() + keep

    def _job_ctx(self, job: _Job, job_try: int) -> dict[str, Any]:
        return {
            **self.ctx,
            "job_id": job.job_id,
            "job_try": job_try,
            "enqueue_time": job.enqueue_time,
            "score": to_unix_ms(job.enqueue_time),
        }

    def _forget_expired_results(self) -> None:
        now = time.monotonic()
        for job_id in [j for j, until in self._kept_until.items() if until <= now]:
            del self._kept_until[job_id]

    async def _run_cron(self) -> None:
        now = datetime.now(UTC)
        for job in self.cron_jobs:
            if job.run_at_startup:
                job.next_run = now
            else:
                job.calculate_next(now)
        while True:
            due = min(self.cron_jobs, key=lambda job: job.next_run or now)
            assert due.next_run is not None
            await asyncio.sleep(max(0.0, (due.next_run - datetime.now(UTC)).total_seconds()))
            job_id = f"{due.name}:{to_unix_ms(due.next_run)}" if due.unique else None
            await self.enqueue(due.name, job_id=due.job_id or job_id)
            due.calculate_next(due.next_run)


def open_job_queue(
    settings: Settings,
    functions: Sequence[Function | Any],
    cron_jobs: Sequence[CronJob],
    ctx: dict[str, Any],
) -> ArqJobQueue | InProcessJobQueue:
    """arq when REDIS_URL is set (workers run the jobs), else the in-process queue (and crons)."""
    if settings.redis_url:
        return ArqJobQueue.from_settings(settings)
    queue = InProcessJobQueue(functions, cron_jobs, ctx, job_timeout=settings.job_timeout_s)
    queue.start()
    return queue

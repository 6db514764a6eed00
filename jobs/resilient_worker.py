"""The arq Worker that `agilekit worker` runs, kept alive across Redis outages.

arq 0.28 lets a Redis connection error escape its poll loop: the worker process exits (status
1) the moment Redis restarts or fails over. Here a poll iteration (picking jobs, the health
check, enqueueing crons) that loses Redis is logged once per outage and tried again with
backoff; redis-py reconnects on the next command. Running jobs carry on (their database and
Jira work needs no Redis); one whose result could not be recorded stays queued and is run
again once its in-progress marker expires (every job is idempotent). What Redis loses when it
restarts without persistence (queued jobs) the crons catch up on: the webhook inbox sweeper.

A worker that *starts* while Redis is down still exits after arq's connection retries (about
5 s): run workers under a supervisor that restarts them (systemd `Restart=always`, Docker
`restart: unless-stopped`, a Kubernetes Deployment).
"""

from __future__ import annotations

import asyncio
import logging
import time

from arq.worker import Worker
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.exceptions import WatchError

log = logging.getLogger(__name__)

REDIS_LOST = (RedisConnectionError, RedisTimeoutError, OSError)
MAX_BACKOFF_S = 2.0


def lost_redis(exc: BaseException) -> bool:
    """A lost connection, also when redis-py reports it as a WatchError (a connection error
    while a transaction watched keys: arq's cron enqueue does that every few seconds)."""
    if isinstance(exc, WatchError):
        return isinstance(exc.__cause__ or exc.__context__, REDIS_LOST)
    return isinstance(exc, REDIS_LOST)


class ResilientWorker(Worker):
    _down_since: float | None = None
    _failures = 0

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except (*REDIS_LOST, WatchError) as exc:
            if not lost_redis(exc):
                raise
            await self._redis_lost(exc)
            return
        if self._down_since is not None:
            down_for = time.monotonic() - self._down_since
            log.warning("Redis is back after %.1fs: polling the queue again", down_for)
            self._down_since, self._failures = None, 0

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        try:
            await super().start_jobs(job_ids)
        except (*REDIS_LOST, WatchError) as exc:
            if not lost_redis(exc):
                raise
            # arq had taken a slot for the job it was starting when Redis went: give it back,
            # or each outage would shrink the worker's concurrency by one.
            self.job_counter -= 1
            self.sem.release()
            raise

    async def _redis_lost(self, exc: BaseException) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            reason = type(exc).__name__
            log.warning("Redis unavailable (%s): the worker stays up and retries", reason)
        self._failures += 1
        await asyncio.sleep(min(MAX_BACKOFF_S, 0.25 * 2**self._failures))

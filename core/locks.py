"""Single flight per key: an in-process asyncio lock, plus a Redis lock across processes.

Without REDIS_URL there is one process (in-process jobs and bus), so the local lock is all it
takes; with Redis, servers and workers share the `SET NX PX` key. The TTL bounds how long a
crashed holder blocks the others; a live holder renews it (slow Jira calls can outlast it).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
from collections.abc import AsyncIterator, Callable

import redis.asyncio as aioredis

# Delete the key only if it still holds our token (it may have expired and been re-taken).
_RELEASE_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
_RENEW_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""


class KeyedLocks:
    """This process's locks by name, and the Redis keys that extend them across processes."""

    def __init__(self, redis: aioredis.Redis | None, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self._local: dict[str, asyncio.Lock] = {}  # one small lock per name ever used

    def key(self, name: str) -> str:
        return f"{self.prefix}:lock:{name}"

    @contextlib.asynccontextmanager
    async def hold(
        self, name: str, ttl_ms: int, wait_s: float, busy: Callable[[], Exception]
    ) -> AsyncIterator[None]:
        """Held by one caller per `name` at a time; others wait up to `wait_s`, then `busy()`."""
        local = self._local.setdefault(name, asyncio.Lock())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        try:
            await asyncio.wait_for(local.acquire(), wait_s)
        except TimeoutError:
            raise busy() from None
        try:
            if self.redis is None:
                yield
                return
            key, token = self.key(name), secrets.token_hex(16)
            delay = 0.02
            while not await self.redis.set(key, token, nx=True, px=ttl_ms):
                if loop.time() >= deadline:
                    raise busy()
                await asyncio.sleep(delay + random.uniform(0, delay))
                delay = min(delay * 2, 0.2)
            renewing = asyncio.create_task(_renew(self.redis, key, token, ttl_ms))
            try:
                yield
            finally:
                renewing.cancel()
                await self.redis.eval(_RELEASE_SCRIPT, 1, key, token)
        finally:
            local.release()


async def _renew(redis: aioredis.Redis, key: str, token: str, ttl_ms: int) -> None:
    """Push the expiry out every third of the TTL while the holder is alive."""
    while True:
        await asyncio.sleep(ttl_ms / 3000)
        with contextlib.suppress(Exception):  # a missed renewal only shortens the lease
            await redis.eval(_RENEW_SCRIPT, 1, key, token, ttl_ms)

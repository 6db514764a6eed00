"""Single-flight per connection: an in-process lock, plus a Redis lock across processes."""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
from collections.abc import AsyncIterator

from core.errors import ErrorCode, ServiceError
from core.runtime import Runtime

LOCK_TTL_MS = 30_000  # longer than one token request (20 s read timeout)
LOCK_WAIT_SECONDS = 35.0

# Delete the key only if it still holds our token (it may have expired and been re-taken).
_RELEASE_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""

_LOCAL_LOCKS = "jira_refresh_locks"  # runtime.extras key: this process's locks


class RefreshLockTimeout(ServiceError):
    def __init__(self) -> None:
        super().__init__(ErrorCode.JIRA_UNAVAILABLE, "Jira token refresh is busy; try again.")


def refresh_lock_key(runtime: Runtime, connection_id: int) -> str:
    return f"{runtime.settings.redis_prefix}:jira:refresh-lock:{connection_id}"


@contextlib.asynccontextmanager
async def refresh_lock(runtime: Runtime, connection_id: int) -> AsyncIterator[None]:
    """Held while one caller refreshes this connection's tokens; everyone else waits."""
    locks: dict[int, asyncio.Lock] = runtime.extras.setdefault(_LOCAL_LOCKS, {})
    local = locks.setdefault(connection_id, asyncio.Lock())
    try:
        await asyncio.wait_for(local.acquire(), LOCK_WAIT_SECONDS)
    except TimeoutError:
        raise RefreshLockTimeout() from None
    try:
        if runtime.redis is None:
            yield
            return
        key = refresh_lock_key(runtime, connection_id)
        token = secrets.token_hex(16)
        await _acquire_redis(runtime, key, token)
        try:
            yield
        finally:
            await runtime.redis.eval(_RELEASE_SCRIPT, 1, key, token)
    finally:
        local.release()


async def _acquire_redis(runtime: Runtime, key: str, token: str) -> None:
    assert runtime.redis is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LOCK_WAIT_SECONDS
    delay = 0.02
    while not await runtime.redis.set(key, token, nx=True, px=LOCK_TTL_MS):
        if loop.time() >= deadline:
            raise RefreshLockTimeout()
        await asyncio.sleep(delay + random.uniform(0, delay))
        delay = min(delay * 2, 0.2)

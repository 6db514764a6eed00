"""core.locks on the run's Redis: two KeyedLocks (as two processes would) take turns."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from core.locks import KeyedLocks
from tests.support import unique_name


class Busy(Exception):
    pass


def process_locks(redis_client: aioredis.Redis, prefix: str) -> KeyedLocks:
    return KeyedLocks(redis_client, prefix)


async def test_processes_take_turns_and_a_waiter_gives_up(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    prefix = f"{redis_prefix}:{unique_name('lock')}"
    first, second = (process_locks(redis_client, prefix) for _ in range(2))
    log: list[str] = []

    async def hold(locks: KeyedLocks, label: str, seconds: float) -> None:
        async with locks.hold("k", 5_000, 5.0, Busy):
            log.append(f"{label} in")
            await asyncio.sleep(seconds)
            log.append(f"{label} out")

    await asyncio.gather(hold(first, "a", 0.3), hold(second, "b", 0.3))
    assert log in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])
    assert not await redis_client.exists(f"{prefix}:lock:k")

    holder = asyncio.create_task(hold(first, "c", 1.0))
    await asyncio.sleep(0.2)
    with pytest.raises(Busy):
        async with second.hold("k", 5_000, 0.3, Busy):
            pass
    async with second.hold("other", 5_000, 0.3, Busy):  # other names are free
        pass
    await holder


async def test_a_holder_outliving_the_ttl_keeps_the_lock(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    prefix = f"{redis_prefix}:{unique_name('lock')}"
    first, second = (process_locks(redis_client, prefix) for _ in range(2))
    async with first.hold("slow", 300, 1.0, Busy):
        await asyncio.sleep(0.9)  # three TTLs: without renewal the key would be gone
        with pytest.raises(Busy):
            async with second.hold("slow", 300, 0.2, Busy):
                pass
    assert not await redis_client.exists(f"{prefix}:lock:slow")

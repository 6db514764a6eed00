"""RedisBus against real Redis: cross-instance delivery, reconnect after a Redis restart."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import redis.asyncio as aioredis

from core.bus import MemoryBus, RedisBus, make_bus
from core.settings import Settings
from tests.core.bus.private_redis import PrivateRedis
from tests.support import REDIS_URL


async def started(url: str, prefix: str) -> RedisBus:
    bus = RedisBus(url, prefix=prefix)
    await bus.start()
    await asyncio.wait_for(bus.connected.wait(), 5)
    return bus


@contextlib.asynccontextmanager
async def two_buses(url: str, prefix: str) -> AsyncIterator[tuple[RedisBus, RedisBus]]:
    """A publishing bus and a receiving one, as two processes would have."""
    publisher, receiver = await started(url, prefix), await started(url, prefix)
    try:
        yield publisher, receiver
    finally:
        await publisher.close()
        await receiver.close()


async def wait_until(condition: Callable[[], bool], within: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def test_make_bus_picks_redis_only_when_configured() -> None:
    assert isinstance(make_bus(Settings(redis_url=None)), MemoryBus)
    assert isinstance(make_bus(Settings(redis_url=REDIS_URL)), RedisBus)


async def test_publish_on_one_bus_reaches_subscribers_of_another(redis_prefix: str) -> None:
    async with two_buses(REDIS_URL, redis_prefix) as (publisher, receiver):
        here, elsewhere = receiver.subscribe("room-1"), receiver.subscribe("room-2")
        for n in range(5):
            await publisher.publish("room-1", {"n": n})
        got = [(await asyncio.wait_for(anext(here), 5)).event["n"] for _ in range(5)]
        assert got == list(range(5))
        assert not elsewhere._queue


async def test_publishes_made_together_go_in_one_pipeline_and_arrive_in_order(
    redis_prefix: str,
) -> None:
    async with two_buses(REDIS_URL, redis_prefix) as (publisher, receiver):
        one, two = receiver.subscribe("room-1"), receiver.subscribe("room-2")
        rooms = ["room-1", "room-2"] * 10
        await asyncio.gather(*(publisher.publish(r, {"n": n}) for n, r in enumerate(rooms)))
        assert publisher._publishes.groups == 1  # all twenty in one pipeline
        got_one = [(await asyncio.wait_for(anext(one), 5)).event["n"] for _ in range(10)]
        got_two = [(await asyncio.wait_for(anext(two), 5)).event["n"] for _ in range(10)]
        assert got_one == list(range(0, 20, 2)) and got_two == list(range(1, 20, 2))


async def test_publishes_made_together_while_redis_is_down_reach_local_subscribers(
    private_redis: PrivateRedis,
) -> None:
    bus = await started(private_redis.url, "local")
    subscription = bus.subscribe("room")
    try:
        private_redis.kill()
        await asyncio.gather(*(bus.publish("room", {"n": n}) for n in range(3)))
        got = [(await asyncio.wait_for(anext(subscription), 5)).event["n"] for _ in range(3)]
        assert got == [0, 1, 2]
    finally:
        await bus.close()


async def test_channels_live_under_the_prefix(redis_prefix: str) -> None:
    bus = await started(REDIS_URL, redis_prefix)
    client = aioredis.from_url(REDIS_URL)
    try:
        subscription = bus.subscribe("room-x")
        receivers = await client.publish(f"{redis_prefix}:room-events:room-x", '{"kind":"raw"}')
        assert receivers >= 1
        assert (await asyncio.wait_for(anext(subscription), 5)).event == {"kind": "raw"}
        await client.publish(f"other-{redis_prefix}:room-events:room-x", '{"kind":"foreign"}')
        await client.publish(f"{redis_prefix}:room-events:room-x", "not json")
        await client.publish(f"{redis_prefix}:room-events:room-x", '{"kind":"after"}')
        assert (await asyncio.wait_for(anext(subscription), 5)).event == {"kind": "after"}
    finally:
        await client.aclose()
        await bus.close()


async def test_subscribers_receive_again_after_redis_restarts(private_redis: PrivateRedis) -> None:
    async with two_buses(private_redis.url, "restart") as (publisher, receiver):
        subscription = receiver.subscribe("room")
        await publisher.publish("room", {"n": "before"})
        assert (await asyncio.wait_for(anext(subscription), 5)).event == {"n": "before"}

        private_redis.kill()
        await publisher.publish("room", {"n": "down"})  # cannot reach Redis: local only
        private_redis.start()
        await wait_until(lambda: receiver.connections >= 2 and receiver.connected.is_set())

        await publisher.publish("room", {"n": "after"})
        assert (await asyncio.wait_for(anext(subscription), 5)).event == {"n": "after"}
        assert not subscription.closed


async def test_failed_publish_still_reaches_local_subscribers(private_redis: PrivateRedis) -> None:
    bus = await started(private_redis.url, "local")
    subscription = bus.subscribe("room")
    try:
        private_redis.kill()
        await bus.publish("room", {"n": 1})
        assert (await asyncio.wait_for(anext(subscription), 5)).event == {"n": 1}
    finally:
        await bus.close()

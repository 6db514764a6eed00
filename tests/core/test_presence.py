"""core/presence.py: visits in memory and on real Redis, across two "processes"."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio as aioredis

from core.presence import Presence, RedisPresence, make_presence

MakePresence = Callable[..., Presence]


def new_room() -> str:
    return uuid.uuid4().hex


@pytest.fixture
async def make(redis_client: aioredis.Redis, redis_prefix: str) -> AsyncIterator[MakePresence]:
    """Builds Redis presences on the run's prefix (each one stands for a server process)."""
    built: list[Presence] = []

    def build(redis: aioredis.Redis | None = redis_client, **timing: float) -> Presence:
        presence = make_presence(redis, redis_prefix, **timing)
        built.append(presence)
        return presence

    yield build
    for presence in built:
        await presence.close()


@pytest.fixture(params=["memory", "redis"])
def presence(request: pytest.FixtureRequest, make: MakePresence) -> Presence:
    return make(None) if request.param == "memory" else make()


async def test_visits_of_one_user(presence: Presence) -> None:
    room = new_room()
    first = await presence.enter(room, 1)
    second = await presence.enter(room, 1)
    assert first.arrived and not second.arrived and first.token != second.token
    assert await presence.online([room]) == [{1}]
    assert await presence.leave(first) is False  # the second visit keeps them online
    assert await presence.online([room]) == [{1}]
    assert await presence.leave(second) is True
    assert await presence.online([room]) == [set()]
    assert await presence.leave(second) is False  # repeated leave: harmless, changes nothing
    assert await presence.leave(first) is False
    assert await presence.online([room]) == [set()]
    assert (await presence.enter(room, 1)).arrived


async def test_rooms_are_independent_and_batched(presence: Presence) -> None:
    red, blue, empty = new_room(), new_room(), new_room()
    in_red = await presence.enter(red, 1)
    in_blue = await presence.enter(blue, 1)
    assert in_red.arrived and in_blue.arrived  # online in red does not count for blue
    await presence.enter(red, 2)
    assert await presence.online([red, blue, empty]) == [{1, 2}, {1}, set()]
    assert await presence.leave(in_red) is True
    assert await presence.online([red, blue, empty]) == [{2}, {1}, set()]
    assert await presence.online([]) == []


async def test_visits_are_shared_across_processes(make: MakePresence) -> None:
    a, b, room = make(), make(), new_room()
    on_a = await a.enter(room, 7)
    assert await b.online([room]) == [{7}]
    on_b = await b.enter(room, 7)
    assert on_a.arrived and not on_b.arrived
    assert await a.leave(on_a) is False  # still online through process B
    assert await a.online([room]) == [{7}]
    assert await b.leave(on_b) is True
    assert await a.online([room]) == [set()]


async def wait_offline(presence: Presence, room: str, within_s: float) -> float:
    loop = asyncio.get_running_loop()
    start = loop.time()
    while (await presence.online([room]))[0]:
        assert loop.time() - start < within_s, "visit did not expire"
        await asyncio.sleep(0.05)
    return loop.time() - start


async def test_dead_process_stops_counting_within_ttl(make: MakePresence) -> None:
    dead, alive, room = make(ttl_s=1, refresh_s=0.3), make(ttl_s=1, refresh_s=0.3), new_room()
    await dead.enter(room, 3)
    await asyncio.sleep(0.4)  # at least one refresh happened
    await dead.close()  # dies: no more refreshes, no leave
    assert await alive.online([room]) == [{3}]
    assert await wait_offline(alive, room, within_s=1.3) > 0.2
    assert (await alive.enter(room, 3)).arrived  # the dead visit no longer counts


async def test_live_process_keeps_counting_beyond_ttl(
    make: MakePresence, redis_client: aioredis.Redis
) -> None:
    holder, observer, room = make(ttl_s=0.5, refresh_s=0.1), make(), new_room()
    visit = await holder.enter(room, 4)
    for _ in range(6):  # 1.5 s: three ttl's
        await asyncio.sleep(0.25)
        assert await observer.online([room]) == [{4}]
    assert isinstance(holder, RedisPresence)
    assert 0 < await redis_client.pttl(holder.key(room)) <= 500  # abandoned rooms vanish
    assert await holder.leave(visit) is True
    assert await observer.online([room]) == [set()]


class Proxy:
    """A TCP pass-through to Redis that can be cut and restored: a real outage for one client."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.transport.abort()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        self._writers |= {writer, up_writer}
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._writers -= {writer, up_writer}
            for end in (writer, up_writer):
                end.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()


async def test_refresh_survives_a_redis_outage(
    make: MakePresence, redis_client: aioredis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    kwargs = redis_client.connection_pool.connection_kwargs
    proxy = Proxy(kwargs.get("host", "127.0.0.1"), kwargs.get("port", 6379))
    await proxy.start()
    flaky = aioredis.Redis(**{**kwargs, "host": "127.0.0.1", "port": proxy.port})
    try:
        holder, observer, room = make(flaky, ttl_s=0.6, refresh_s=0.1), make(), new_room()
        await holder.enter(room, 5)
        caplog.set_level(logging.WARNING, logger="core.presence")
        await proxy.cut()
        await wait_offline(observer, room, within_s=1.0)  # unrefreshed: expired
        failures = [r for r in caplog.records if "refresh failed" in r.getMessage()]
        assert len(failures) == 1  # one warning per outage, not one per attempt
        await proxy.start()  # Redis is back: the same loop re-adds the visit
        await asyncio.sleep(0.4)
        assert await observer.online([room]) == [{5}]
        assert any("works again" in r.getMessage() for r in caplog.records)
        assert isinstance(holder, RedisPresence)
        assert holder._refresher is not None and not holder._refresher.done()
        await holder.close()
    finally:
        await proxy.cut()
        await flaky.aclose()

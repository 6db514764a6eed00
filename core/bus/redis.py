"""The multi-process bus: Redis pub/sub with ONE subscriber connection per process.

That connection pattern-subscribes to `<prefix>:room-events:*` and fans each message out to the
local subscribers of its room (rooms without local subscribers are dropped in O(1)). When the
connection is lost it is re-established, and the pattern re-subscribed, with jittered
exponential backoff; local subscriptions stay open meanwhile. Pub/sub is at-most-once: events
published while the connection is down are lost, which is acceptable for hints (clients
re-read state on the next event). A publish that cannot reach Redis is still delivered to this
process's own subscribers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.bus.fanout import DEFAULT_QUEUE_SIZE, LocalFanout, Subscription
from core.group_commit import GroupCommit

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0  # PING the idle subscriber connection this often
INITIAL_BACKOFF = 0.05
MAX_BACKOFF = 2.0


class RedisBus:
    def __init__(self, url: str, *, prefix: str, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.fanout = LocalFanout(queue_size)
        self._channel_prefix = f"{prefix}:room-events:"
        self._publisher = aioredis.from_url(
            url,
            socket_timeout=2,
            socket_connect_timeout=2,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        self._subscriber = aioredis.from_url(url, socket_connect_timeout=2)
        # Redis down fails a whole pipeline alike: no point publishing its messages one by one.
        self._publishes = GroupCommit(self._publish_all, isolates=lambda exc: False)
        self._reader: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()
        self.connections = 0  # successful (re)connections of the subscriber

    def channel(self, room_id: str) -> str:
        return f"{self._channel_prefix}{room_id}"

    async def start(self) -> None:
        if self._reader is None:
            self._reader = asyncio.create_task(self._read_forever(), name="room-bus-reader")

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        await self._publishes.aclose()  # publishes in flight go out first
        self.fanout.close_all()
        await self._publisher.aclose()
        await self._subscriber.aclose()

    async def publish(self, room_id: str, event: dict[str, Any]) -> None:
        """Publishes made while one is in flight go together, in the order they were made, in
        pipelines of up to core.group_commit.MAX_GROUP. Callers gathering publishes keep their
        order as long as nothing awaits before this call."""
        payload = json.dumps(event, separators=(",", ":"))
        try:
            await self._publishes.submit((self.channel(room_id), payload))
        except (RedisError, OSError) as exc:
            log.warning("room bus: publish failed (%s); delivering locally only", exc)
            self.fanout.deliver(room_id, event)

    async def _publish_all(self, messages: list[tuple[str, str]]) -> list[int]:
        if len(messages) == 1:
            return [await self._publisher.publish(*messages[0])]
        pipeline = self._publisher.pipeline(transaction=False)
        for channel, payload in messages:
            pipeline.publish(channel, payload)
        return list(await pipeline.execute())

    def subscribe(self, room_id: str) -> Subscription:
        return self.fanout.subscribe(room_id)

    async def _read_forever(self) -> None:
        backoff = INITIAL_BACKOFF
        while True:
            connections_before = self.connections
            try:
                await self._read_connection()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure of the connection: reconnect
                if self.connections != connections_before:
                    log.warning("room bus: lost Redis subscriber connection: %s", exc)
            if self.connections != connections_before:  # it was up: start over
                backoff = INITIAL_BACKOFF
            await asyncio.sleep(backoff * (0.5 + random.random()))
            backoff = min(backoff * 2, MAX_BACKOFF)

    async def _read_connection(self) -> None:
        pubsub = self._subscriber.pubsub()
        try:
            await pubsub.psubscribe(f"{self._channel_prefix}*")
            if self.connections:
                log.warning("room bus: Redis subscriber connection restored")
            self.connections += 1
            self.connected.set()
            last_seen = time.monotonic()
            while True:
                message = await pubsub.get_message(timeout=HEARTBEAT_SECONDS)
                now = time.monotonic()
                if message is not None:
                    last_seen = now
                    if message["type"] == "pmessage":
                        self._dispatch(message["channel"], message["data"])
                elif now - last_seen > 3 * HEARTBEAT_SECONDS:
                    raise RedisConnectionError("no answer to PING on the subscriber connection")
                else:
                    await pubsub.ping()
        finally:
            self.connected.clear()
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    def _dispatch(self, channel: bytes, data: bytes) -> None:
        room_id = channel.decode()[len(self._channel_prefix) :]
        if not self.fanout.subscriber_count(room_id):
            return
        try:
            event = json.loads(data)
        except ValueError:
            log.warning("room bus: dropped a malformed message on %s", channel)
            return
        self.fanout.deliver(room_id, event)

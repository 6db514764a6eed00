"""In-process fan-out to bounded per-subscriber queues, shared by every bus implementation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 256


class SlowSubscriber(Exception):
    """The subscriber fell `queue_size` messages behind; its subscription was ended."""


@dataclass(slots=True)
class BusMessage:
    room_id: str
    event: dict[str, Any]
    # One object per message per process, shared by all local subscribers of the room:
    # a place to share what they read for this message (e.g. one set of DataLoaders).
    scratch: dict[str, Any] = field(default_factory=dict)


_OVERFLOW = object()
_END = object()


class Subscription:
    """Registered on creation; iterate it for the room's messages, `close()` when done."""

    def __init__(self, fanout: LocalFanout, room_id: str, queue_size: int) -> None:
        self.room_id = room_id
        self._fanout = fanout
        self._queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=queue_size)
        self.closed = False
        self._finished = False

    def offer(self, message: BusMessage) -> None:
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            # Drop the backlog and end the subscription: memory stays bounded.
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(_OVERFLOW)
            self.closed = True
            self._fanout.remove(self)
            log.warning("room bus: slow subscriber on room %s closed", self.room_id)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._fanout.remove(self)
            if self._queue.full():
                self._queue.get_nowait()  # room for _END; the subscription is ending anyway
            self._queue.put_nowait(_END)  # wakes a reader blocked in __anext__

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> BusMessage:
        if self._finished:
            raise StopAsyncIteration
        item = await self._queue.get()
        if item is _END or item is _OVERFLOW:
            self._finished = True
        if item is _END:
            raise StopAsyncIteration
        if item is _OVERFLOW:
            raise SlowSubscriber("Too many undelivered room events; subscribe again.")
        return item


class LocalFanout:
    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.queue_size = queue_size
        self._rooms: dict[str, set[Subscription]] = {}

    def subscribe(self, room_id: str) -> Subscription:
        subscription = Subscription(self, room_id, self.queue_size)
        self._rooms.setdefault(room_id, set()).add(subscription)
        return subscription

    def remove(self, subscription: Subscription) -> None:
        subscribers = self._rooms.get(subscription.room_id)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._rooms[subscription.room_id]

    def deliver(self, room_id: str, event: dict[str, Any]) -> None:
        subscribers = self._rooms.get(room_id)
        if not subscribers:
            return
        message = BusMessage(room_id=room_id, event=event)
        for subscription in list(subscribers):
            subscription.offer(message)

    def close_all(self) -> None:
        for subscribers in list(self._rooms.values()):
            for subscription in list(subscribers):
                subscription.close()

    def subscriber_count(self, room_id: str | None = None) -> int:
        if room_id is not None:
            return len(self._rooms.get(room_id, ()))
        return sum(len(subscribers) for subscribers in self._rooms.values())


class RoomBus(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def publish(self, room_id: str, event: dict[str, Any]) -> None: ...

    def subscribe(self, room_id: str) -> Subscription: ...


async def iterate(subscription: Subscription) -> AsyncIterator[BusMessage]:
    """The subscription's messages as an async generator that always unregisters at the end."""
    try:
        async for message in subscription:
            yield message
    finally:
        subscription.close()

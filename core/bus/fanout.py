"""In-process fan-out to bounded per-subscriber queues, shared by every bus implementation."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 256


class SlowSubscriber(Exception):
    """The subscriber fell `queue_size` messages behind; its subscription was ended."""

    default_message = "Too many undelivered room events; subscribe again."


@dataclass(slots=True)
class BusMessage:
    room_id: str
    event: dict[str, Any]
    # One object per message per process, shared by all local subscribers of the room:
    # a place to share what they read for this message (e.g. one set of DataLoaders).
    scratch: dict[str, Any] = field(default_factory=dict)


_OVERFLOW = object()
_END = object()
# Events whose subscribers read the issue's current state when they deliver them: one still
# queued, whose reads have not started, makes a newer equal one (same kind, same issue)
# redundant; it keeps its place, so a busy issue cannot starve the rest of the queue. Reads
# start when a message's `scratch` gets its first entry (shared by every local subscriber of
# the message: another subscriber's delivery, or a read-ahead); from then on a newer equal
# event takes the queued one's place instead, since the queued one would show an older state.
SUPERSEDABLE_KINDS = frozenset({"ISSUE_UPDATED", "VOTING_UPDATED", "ESTIMATE_PUSH_UPDATED"})


def pending_key(event: dict[str, Any]) -> tuple[str, str] | None:
    kind, issue_id = event.get("kind"), event.get("issueId")
    if kind in SUPERSEDABLE_KINDS and isinstance(issue_id, str):
        return kind, issue_id
    return None


class Subscription:
    """Registered on creation; iterate it for the room's messages, `close()` when done."""

    def __init__(self, fanout: LocalFanout, room_id: str, queue_size: int) -> None:
        self.room_id = room_id
        self._fanout = fanout
        self._size = queue_size
        self._queue: deque[Any] = deque()
        self._supersedable: dict[tuple[str, str], BusMessage] = {}  # queued, by pending_key
        self._ready = asyncio.Event()
        self.closed = False
        self._finished = False

    def offer(self, message: BusMessage) -> None:
        if self.closed:
            return
        key = pending_key(message.event)
        queued = self._supersedable.get(key) if key is not None else None
        if queued is not None and key is not None:
            if queued.scratch:  # its reads have started: this one takes its place
                index = next(i for i, item in enumerate(self._queue) if item is queued)
                self._queue[index] = self._supersedable[key] = message
            return  # else the queued one will show the issue as it is by then
        if len(self._queue) >= self._size:
            # Drop the backlog and end the subscription: memory stays bounded.
            self._end(_OVERFLOW)
            log.warning("room bus: slow subscriber on room %s closed", self.room_id)
            return
        self._queue.append(message)
        if key is not None:
            self._supersedable[key] = message
        self._ready.set()

    def queued(self, limit: int) -> list[BusMessage]:
        """Up to `limit` messages waiting behind the one being delivered, oldest first."""
        return list(itertools.islice((m for m in self._queue if isinstance(m, BusMessage)), limit))

    def close(self) -> None:
        """What is queued is still delivered, then the iteration ends."""
        if not self.closed:
            self._end(_END)

    def _end(self, sentinel: object) -> None:
        self.closed = True
        self._fanout.remove(self)
        if sentinel is _OVERFLOW:
            self._queue.clear()
            self._supersedable.clear()
        self._queue.append(sentinel)  # wakes a reader blocked in __anext__
        self._ready.set()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> BusMessage:
        if self._finished:
            raise StopAsyncIteration
        while not self._queue:
            self._ready.clear()
            await self._ready.wait()
        item = self._queue.popleft()
        if item is _END or item is _OVERFLOW:
            self._finished = True
        if item is _END:
            raise StopAsyncIteration
        if item is _OVERFLOW:
            raise SlowSubscriber(SlowSubscriber.default_message)
        key = pending_key(item.event)
        if key is not None and self._supersedable.get(key) is item:
            del self._supersedable[key]
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

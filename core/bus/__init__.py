"""The room event bus: "room X changed" hints, in memory for one process or over Redis pub/sub.

`publish(room_id, event)` sends a small JSON-able dict; `subscribe(room_id)` returns an async
iterator of `BusMessage`s for that room. Messages are hints: subscribers read fresh state from
the database. Each subscriber has a bounded queue; one that cannot keep up is ended with
`SlowSubscriber` instead of growing memory.
"""

from __future__ import annotations

from core.bus.fanout import BusMessage, LocalFanout, RoomBus, SlowSubscriber, Subscription
from core.bus.memory import MemoryBus
from core.bus.redis import RedisBus
from core.settings import Settings

__all__ = [
    "BusMessage",
    "LocalFanout",
    "MemoryBus",
    "RedisBus",
    "RoomBus",
    "SlowSubscriber",
    "Subscription",
    "make_bus",
]


def make_bus(settings: Settings) -> RoomBus:
    """Redis pub/sub when REDIS_URL is set (several processes), otherwise in-process."""
    if settings.redis_url:
        return RedisBus(settings.redis_url, prefix=settings.redis_prefix)
    return MemoryBus()

"""The single-process bus: publish delivers straight to local subscribers."""

from __future__ import annotations

from typing import Any

from core.bus.fanout import DEFAULT_QUEUE_SIZE, LocalFanout, Subscription


class MemoryBus:
    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.fanout = LocalFanout(queue_size)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def publish(self, room_id: str, event: dict[str, Any]) -> None:
        self.fanout.deliver(room_id, event)

    def subscribe(self, room_id: str) -> Subscription:
        return self.fanout.subscribe(room_id)

"""A subscriber that falls behind is ended with SLOW_SUBSCRIBER instead of buffering forever.

A real client cannot be made slow enough through loopback TCP buffers in a fast test, so this
runs the subscription in-process against a bus with a tiny per-subscriber queue."""

from __future__ import annotations

import asyncio
import uuid

from core.bus import MemoryBus
from core.settings import Settings
from models.users import User
from schema.composition import build_schema
from schema.context import Context
from services.rooms import rooms
from services.rooms.events import RoomEventKind, publish_room_event
from services.runtime import Runtime

SUBSCRIPTION = "subscription($r: ID!) { roomEvents(roomId: $r) { __typename } }"


async def registered(bus: MemoryBus) -> None:
    for _ in range(500):
        if bus.fanout.subscriber_count():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the subscription never registered on the bus")


async def test_slow_subscriber_gets_an_error_and_the_stream_ends(database_url: str) -> None:
    user = await User.create(subject=f"slow|{uuid.uuid4()}", email="slow@example.com")
    room = await rooms.create_room(user, "Slow", None)
    issue = await rooms.add_issue(user, str(room.id), "x", None, None)
    bus = MemoryBus(queue_size=3)
    runtime = Runtime(settings=Settings(), bus=bus)
    context = Context(runtime=runtime, request=None, request_id="slow")  # type: ignore[arg-type]
    context.user = user
    stream = await build_schema().subscribe(
        SUBSCRIPTION, variable_values={"r": str(room.id)}, context_value=context
    )
    pending = asyncio.ensure_future(anext(stream))  # starts the subscription
    await registered(bus)
    # The subscriber's own arrival (presence) comes first.
    assert (await asyncio.wait_for(pending, 5)).data == {
        "roomEvents": {"__typename": "MemberUpdated"}
    }
    await publish_room_event(bus, room.id, RoomEventKind.VOTING_UPDATED, issue.id)
    assert (await asyncio.wait_for(anext(stream), 5)).data == {
        "roomEvents": {"__typename": "VotingUpdated"}
    }

    for _ in range(10):  # nobody reads: the queue of 3 overflows (an added issue is never
        # superseded by the next event about it, as an update still queued would be)
        await publish_room_event(bus, room.id, RoomEventKind.ISSUE_ADDED, issue.id)
    ended = await asyncio.wait_for(anext(stream), 5)
    assert ended.errors and ended.errors[0].extensions == {"code": "SLOW_SUBSCRIBER"}
    assert bus.fanout.subscriber_count() == 0
    await stream.aclose()

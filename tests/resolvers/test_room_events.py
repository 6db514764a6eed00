"""roomEvents for a subscriber behind the room: queued events read ahead in one query, and a
change made after that read still reaches the subscriber (in-process, on a MemoryBus)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from core.bus import MemoryBus
from core.settings import Settings
from models.rooms import Issue
from models.users import User
from schema.composition import build_schema
from schema.context import Context
from services.rooms import rooms
from services.rooms.events import RoomEventKind, publish_room_event
from services.runtime import Runtime
from tests.resolvers.test_rooms_slow_subscriber import registered

SUBSCRIPTION = """subscription($r: ID!) { roomEvents(roomId: $r) {
  __typename ... on IssueUpdated { issue { title } } } }"""


async def test_a_change_after_the_read_ahead_still_reaches_the_subscriber(
    database_url: str,
) -> None:
    user = await User.create(subject=f"ahead|{uuid.uuid4()}", email="ahead@example.com")
    room = await rooms.create_room(user, "Ahead", None)
    first = await rooms.add_issue(user, str(room.id), "a1", None, None)
    second = await rooms.add_issue(user, str(room.id), "b1", None, None)
    bus = MemoryBus()
    context = Context(runtime=Runtime(settings=Settings(), bus=bus), request=None, request_id="a")  # type: ignore[arg-type]
    context.user = user
    stream: Any = await build_schema().subscribe(
        SUBSCRIPTION, variable_values={"r": str(room.id)}, context_value=context
    )
    arrival = asyncio.ensure_future(anext(stream))
    await registered(bus)
    assert (await asyncio.wait_for(arrival, 5)).data["roomEvents"]["__typename"] == "MemberUpdated"

    for issue in (first, second):  # both queued before the subscriber reads on
        await publish_room_event(bus, room.id, RoomEventKind.ISSUE_UPDATED, issue.id)
    delivered = await asyncio.wait_for(anext(stream), 5)  # reads b1 ahead, with a1
    assert delivered.data["roomEvents"]["issue"]["title"] == "a1"
    await Issue.filter(id=second.id).update(title="b2")
    await publish_room_event(bus, room.id, RoomEventKind.ISSUE_UPDATED, second.id)
    latest = await asyncio.wait_for(anext(stream), 5)
    assert latest.data["roomEvents"]["issue"]["title"] == "b2"  # not the b1 read ahead
    assert bus.fanout.subscriber_count() == 1
    await stream.aclose()

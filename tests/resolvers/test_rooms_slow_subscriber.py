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


class AudienceBus(MemoryBus):
    """Records, for each event published, how many subscriptions of its room would get it."""

    def __init__(self) -> None:
        super().__init__()
        self.audience: list[tuple[str, str | None, int]] = []

    async def publish(self, room_id: str, event: dict[str, object]) -> None:
        count = self.fanout.subscriber_count(room_id)
        self.audience.append((str(event["kind"]), event.get("userId"), count))  # type: ignore[arg-type]
        await super().publish(room_id, event)


async def test_a_leaving_subscriber_is_off_the_bus_before_its_departure_goes_out(
    database_url: str,
) -> None:
    """When a whole room leaves at once, every departure reached every subscription still
    open while its own departure was being announced: with 256 queued they ended as slow
    subscribers. A leaving subscription stops receiving first."""
    host = await User.create(subject=f"host|{uuid.uuid4()}", email="host@example.com")
    guest = await User.create(subject=f"guest|{uuid.uuid4()}", email="guest@example.com")
    room = await rooms.create_room(host, "Leaving", None)
    await rooms.join_room(guest, str(room.id))
    bus = AudienceBus()
    runtime = Runtime(settings=Settings(), bus=bus)
    streams = []
    for user in (host, guest):
        context = Context(runtime=runtime, request=None, request_id="leave")  # type: ignore[arg-type]
        context.user = user
        stream = await build_schema().subscribe(
            SUBSCRIPTION, variable_values={"r": str(room.id)}, context_value=context
        )
        await asyncio.wait_for(anext(stream), 5)  # its own arrival
        streams.append(stream)
    host_stream, guest_stream = streams

    await guest_stream.aclose()

    departure = ("MEMBER_UPDATED", str(guest.id))
    # the guest's arrival reached both subscriptions; its departure only the host's
    assert [count for *event, count in bus.audience if tuple(event) == departure] == [2, 1]
    for _ in range(2):  # the host sees the guest arrive and leave
        assert (await asyncio.wait_for(anext(host_stream), 5)).data == {
            "roomEvents": {"__typename": "MemberUpdated"}
        }
    await host_stream.aclose()
    assert bus.fanout.subscriber_count() == 0

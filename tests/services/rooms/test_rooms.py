"""services/rooms/rooms.py on the run's PostgreSQL: membership rules, validation, issue order."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from core.bus import MemoryBus
from core.errors import ErrorCode, ServiceError
from models.rooms import Issue, Room, RoomMember
from models.users import User
from services.rooms import rooms


async def new_user(label: str = "user") -> User:
    return await User.create(subject=f"svc|{uuid.uuid4()}", email=f"{label}@example.com")


def test_parse_ids() -> None:
    assert rooms.parse_room_id("nope") is None
    assert rooms.parse_issue_id("12") == 12
    assert rooms.parse_issue_id("-1") is None and rooms.parse_issue_id("x") is None
    assert rooms.parse_issue_id(str(2**63)) is None


async def test_owner_is_first_member_and_others_are_denied(database_url: str) -> None:
    owner, stranger = await new_user("owner"), await new_user("stranger")
    room = await rooms.create_room(owner, "Room", None)
    assert room.owner_id == owner.id
    assert await rooms.is_member(owner.id, room.id)
    with pytest.raises(rooms.RoomAccessDenied):
        await rooms.room_for_member(stranger.id, str(room.id))
    with pytest.raises(rooms.RoomAccessDenied):
        await rooms.add_issue(stranger, str(room.id), "x", None, None)
    assert await rooms.room_for_member(stranger.id, str(uuid.uuid4())) is None
    await rooms.join_room(stranger, str(room.id))
    assert (await rooms.room_for_member(stranger.id, str(room.id))).id == room.id
    assert await RoomMember.filter(room_id=room.id).count() == 2


async def test_concurrent_additions_get_distinct_positions(database_url: str) -> None:
    owner = await new_user()
    room = await rooms.create_room(owner, "Busy", None)
    bus = MemoryBus()
    subscription = bus.subscribe(str(room.id))
    await asyncio.gather(
        *(rooms.add_issue(owner, str(room.id), f"t{n}", None, bus) for n in range(20))
    )
    positions = (
        await Issue.filter(room_id=room.id).order_by("position").values_list("position", flat=True)
    )
    assert positions == list(range(1, 21))
    kinds = [(await anext(subscription)).event["kind"] for _ in range(20)]
    assert kinds == ["ISSUE_ADDED"] * 20


async def test_remove_issue_publishes_and_checks_membership(database_url: str) -> None:
    owner, stranger = await new_user(), await new_user()
    room = await rooms.create_room(owner, "R", None)
    issue = await rooms.add_issue(owner, str(room.id), "gone soon", None, None)
    with pytest.raises(rooms.RoomAccessDenied):
        await rooms.remove_issue(stranger, issue.id, None)
    bus = MemoryBus()
    subscription = bus.subscribe(str(room.id))
    await rooms.remove_issue(owner, issue.id, bus)
    assert not await Issue.exists(id=issue.id)
    message = await anext(subscription)
    assert message.event["kind"] == "ISSUE_REMOVED"
    assert message.event["issueId"] == str(issue.id)
    with pytest.raises(ServiceError) as caught:
        await rooms.remove_issue(owner, issue.id, bus)
    assert caught.value.code == ErrorCode.NOT_FOUND


async def test_a_user_is_in_at_most_max_rooms(database_url: str) -> None:
    """The bound the cost limit counts on for myRooms (finding 7)."""
    user, owner = await new_user("busy"), await new_user("host")
    host_rooms = [await rooms.create_room(owner, f"host {n}", None) for n in range(2)]
    first = await rooms.create_room(user, "first", None)
    filler = [
        Room(name=f"filler {n}", deck=["1", "2"], owner_id=owner.id)
        for n in range(rooms.MAX_ROOMS_PER_USER - 1)
    ]
    await Room.bulk_create(filler)
    await RoomMember.bulk_create([RoomMember(room_id=r.id, user_id=user.id) for r in filler])
    assert await RoomMember.filter(user_id=user.id).count() == rooms.MAX_ROOMS_PER_USER
    with pytest.raises(ServiceError) as full:
        await rooms.create_room(user, "one too many", None)
    assert full.value.code == ErrorCode.NOT_ALLOWED
    with pytest.raises(ServiceError):
        await rooms.join_room(user, str(host_rooms[0].id))
    assert await rooms.join_room(user, str(first.id))  # re-joining a room you are in is fine
    assert await RoomMember.filter(user_id=user.id).count() == rooms.MAX_ROOMS_PER_USER


async def test_a_room_holds_at_most_max_members(database_url: str) -> None:
    owner = await new_user("owner")
    room = await rooms.create_room(owner, "Crowded", None)
    others = [
        User(subject=f"svc|{uuid.uuid4()}", email=f"m{n}@example.com")
        for n in range(rooms.MAX_MEMBERS_PER_ROOM - 1)
    ]
    await User.bulk_create(others)
    ids = await User.filter(subject__in=[u.subject for u in others]).values_list("id", flat=True)
    await RoomMember.bulk_create([RoomMember(room_id=room.id, user_id=i) for i in ids])
    late = await new_user("late")
    with pytest.raises(ServiceError) as full:
        await rooms.join_room(late, str(room.id))
    assert (full.value.code, full.value.field) == (ErrorCode.NOT_ALLOWED, "roomId")
    assert not await rooms.is_member(late.id, room.id)


async def test_a_room_holds_at_most_max_issues(database_url: str) -> None:
    owner = await new_user("owner")
    room = await rooms.create_room(owner, "Long backlog", None)
    await Issue.bulk_create(
        [
            Issue(room_id=room.id, position=n, title=f"issue {n}")
            for n in range(1, rooms.MAX_ISSUES_PER_ROOM + 1)
        ]
    )
    with pytest.raises(ServiceError) as full:
        await rooms.add_issue(owner, str(room.id), "one more", None, None)
    assert full.value.code == ErrorCode.NOT_ALLOWED
    assert await Issue.filter(room_id=room.id).count() == rooms.MAX_ISSUES_PER_ROOM

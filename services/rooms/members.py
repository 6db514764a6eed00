"""Room members' roles, removal and leaving (the rules themselves: services/rooms/access.py).

A member who becomes a spectator, is removed or leaves takes their votes of open rounds with
them, so statistics only ever count voters. Removal and leaving are published as
MEMBER_UPDATED with `removed`; every roomEvents subscription re-checks membership on each
event, so the removed member's subscriptions end on every server process.
"""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from core.errors import ErrorCode, ServiceError, invalid
from models.rooms import Issue, IssueStatus, Room, RoomMember, RoomRole, Vote
from models.users import User
from services.rooms.access import (
    FACILITATORS,
    RoomAccessDenied,
    membership,
    parse_room_id,
    require_role,
)
from services.rooms.events import publish_member_event
from services.runtime import Runtime


async def set_member_role(
    runtime: Runtime, user: User, room_id: str, member_id: str, role: RoomRole
) -> RoomMember:
    room = await _room_facilitated_by(user, room_id, "change roles")
    target = await _member(room, member_id)
    if target.user_id == room.owner_id and role != RoomRole.FACILITATOR:  # type: ignore[attr-defined]
        raise invalid("The room's owner is always a facilitator.", "userId")
    if target.role != role:
        async with in_transaction():
            await RoomMember.filter(id=target.id).update(role=role)
            if role == RoomRole.SPECTATOR:
                await _drop_open_votes(room.id, target.user_id)  # type: ignore[attr-defined]
        target.role = role
        await publish_member_event(runtime.bus, room.id, target.user_id)  # type: ignore[attr-defined]
    return target


async def remove_member(runtime: Runtime, user: User, room_id: str, member_id: str) -> RoomMember:
    room = await _room_facilitated_by(user, room_id, "remove members")
    target = await _member(room, member_id)
    if target.user_id == user.id:  # type: ignore[attr-defined]
        raise invalid("You cannot remove yourself: leave the room instead.", "userId")
    if target.user_id == room.owner_id:  # type: ignore[attr-defined]
        raise invalid("The room's owner cannot be removed.", "userId")
    await _delete(runtime, room, target)
    return target


async def leave_room(runtime: Runtime, user: User, room_id: str) -> RoomMember:
    parsed = parse_room_id(room_id)
    room = await Room.get_or_none(id=parsed) if parsed else None
    if room is None:
        raise ServiceError(ErrorCode.NOT_FOUND, "No room with this id.", "roomId")
    member = await membership(user.id, room.id)
    if member is None:
        raise RoomAccessDenied()
    if room.owner_id == user.id:  # type: ignore[attr-defined]
        raise invalid("The owner cannot leave the room they own.", "roomId")
    await _delete(runtime, room, member)
    return member


async def _delete(runtime: Runtime, room: Room, member: RoomMember) -> None:
    async with in_transaction():
        await _drop_open_votes(room.id, member.user_id)  # type: ignore[attr-defined]
        await RoomMember.filter(id=member.id).delete()
    await publish_member_event(
        runtime.bus,
        room.id,
        member.user_id,  # type: ignore[attr-defined]
        removed=True,
        role=member.role.value,
        joined_at=member.joined_at,
    )


async def _drop_open_votes(room_id: uuid.UUID, user_id: int) -> None:
    """Delete the member's votes of open rounds. The open issues are row-locked first, as
    castVote locks its issue: a vote being cast right now is either committed and deleted
    here, or waits and then sees the member's new role (or no membership) and is refused."""
    locked = (
        await Issue.filter(room_id=room_id, status=IssueStatus.VOTING)
        .order_by("id")
        .select_for_update()
    )
    await Vote.filter(user_id=user_id, issue_id__in=[issue.id for issue in locked]).delete()


async def _room_facilitated_by(user: User, room_id: str, doing: str) -> Room:
    parsed = parse_room_id(room_id)
    room = await Room.get_or_none(id=parsed) if parsed else None
    if room is None:
        raise ServiceError(ErrorCode.NOT_FOUND, "No room with this id.", "roomId")
    await require_role(user.id, room.id, FACILITATORS, doing)
    return room


async def _member(room: Room, member_id: str) -> RoomMember:
    try:
        user_id = int(member_id)
    except (TypeError, ValueError):
        user_id = 0
    member = await membership(user_id, room.id) if 0 < user_id < 2**63 else None
    if member is None:
        raise ServiceError(ErrorCode.NOT_FOUND, "No member of this room has this id.", "userId")
    return member

"""Who may see and do what in a room: ids, membership and roles (the rule behind every room
read and change).

FACILITATOR: everything in the room (run rounds, move, add, import and remove issues, room
settings, roles, remove members); the owner is always one. VOTER: vote and add issues.
SPECTATOR: watch only, never counted in votes or statistics. A non-member is refused with
RoomAccessDenied, a member without the role with RoleDenied: both a top-level FORBIDDEN.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from core.errors import AccessDenied
from models.rooms import RoomMember, RoomRole

FACILITATORS = frozenset({RoomRole.FACILITATOR})
VOTERS = frozenset({RoomRole.FACILITATOR, RoomRole.VOTER})  # the roles whose votes count


class RoomAccessDenied(AccessDenied):
    """The user is not a member of the room (the API answers a top-level FORBIDDEN)."""

    default_message = "You are not a member of this room."


class RoleDenied(AccessDenied):
    default_message = "Only a facilitator of this room may do this."


def parse_room_id(room_id: str) -> uuid.UUID | None:
    """The room id as a UUID, or None when it cannot name a room."""
    try:
        return uuid.UUID(str(room_id))
    except ValueError:
        return None


def parse_issue_id(issue_id: str | int) -> int | None:
    try:
        value = int(issue_id)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**63 else None


async def is_member(user_id: int, room_id: uuid.UUID | str) -> bool:
    return await RoomMember.exists(room_id=room_id, user_id=user_id)


async def membership(user_id: int, room_id: uuid.UUID | str) -> RoomMember | None:
    return await RoomMember.get_or_none(room_id=room_id, user_id=user_id)


async def require_role(
    user_id: int, room_id: uuid.UUID | str, allowed: Collection[RoomRole], doing: str
) -> RoomMember:
    """The membership if its role is `allowed`; RoomAccessDenied for non-members, RoleDenied
    naming what was refused otherwise."""
    member = await membership(user_id, room_id)
    if member is None:
        raise RoomAccessDenied()
    if member.role not in allowed:
        who = "a facilitator" if set(allowed) == FACILITATORS else "a voter or facilitator"
        raise RoleDenied(f"Only {who} of this room may {doing}.")
    return member


async def voter_ids(room_id: uuid.UUID | str) -> list[int]:
    """The members whose votes count: facilitators and voters."""
    rows = RoomMember.filter(room_id=room_id, role__in=list(VOTERS))
    return [int(user_id) for user_id in await rows.values_list("user_id", flat=True)]

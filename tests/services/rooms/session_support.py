"""Shared set-up for the estimation-session tests: a room with one member of every role, row
snapshots (to show that a refusal changed nothing) and a guard against the servers' timer sweep.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from core.settings import Settings
from models.rooms import Issue, Room, RoomMember, RoomRole, Vote, VotingRound
from models.users import User
from services.rooms import members, rooms
from services.runtime import Runtime

RUNTIME = Runtime(settings=Settings(agilekit_env="development"))  # no bus, jobs or hooks
SWEEP_EVERY_S = 5  # jobs/rooms/voting.py SWEEP_SECONDS: every 5 s, at arq's .123456 s


async def new_user(label: str = "user") -> User:
    return await User.create(subject=f"session|{uuid.uuid4()}", email=f"{label}@example.com")


@dataclass
class Cast:
    """A room and its members: the owner, a second facilitator, a voter and a spectator."""

    room: Room
    owner: User
    facilitator: User
    voter: User
    spectator: User

    @property
    def room_id(self) -> str:
        return str(self.room.id)


async def room_with_roles(
    deck: list[str] | None = None,
    *,
    cards: list[tuple[str, float | None]] | None = None,
    auto_reveal: bool = False,
    default_voting_seconds: int | None = None,
) -> Cast:
    owner = await new_user("owner")
    settings = rooms.RoomSettings(
        name="Sessions",
        deck=deck,
        cards=cards,
        auto_reveal=auto_reveal,
        default_voting_seconds=default_voting_seconds,
    )
    room = await rooms.create_configured_room(owner, settings)
    facilitator, voter, spectator = (
        await new_user("facilitator"),
        await new_user("voter"),
        await new_user("spectator"),
    )
    await rooms.join_room(facilitator, str(room.id))
    await members.set_member_role(
        RUNTIME, owner, str(room.id), str(facilitator.id), RoomRole.FACILITATOR
    )
    await rooms.join_room(voter, str(room.id))
    await rooms.join_room(spectator, str(room.id), as_spectator=True)
    return Cast(room, owner, facilitator, voter, spectator)


async def role_of(room_id: object, user: User) -> RoomRole | None:
    member = await RoomMember.get_or_none(room_id=room_id, user_id=user.id)
    return None if member is None else member.role


async def snapshot(room_id: object) -> dict[str, Any]:
    """Every row of the room, its members, issues, votes and kept rounds."""
    issue_ids = await Issue.filter(room_id=room_id).values_list("id", flat=True)
    return {
        "room": await Room.filter(id=room_id).values(),
        "members": await RoomMember.filter(room_id=room_id).order_by("id").values(),
        "issues": await Issue.filter(room_id=room_id).order_by("id").values(),
        "votes": await Vote.filter(issue_id__in=issue_ids).order_by("id").values(),
        "rounds": await VotingRound.filter(issue_id__in=issue_ids).order_by("id").values(),
    }


async def votes_of(issue_id: int) -> dict[int, str]:
    rows = await Vote.filter(issue_id=issue_id).values_list("user_id", "value")
    return {int(user_id): value for user_id, value in rows}


async def clear_of_sweep() -> None:
    """Wait, if need be, until no server's timer sweep is due for ~0.8 s.

    A development server started by the resolver tests of the same run sweeps this database
    every 5 s (in-process cron, at .123 s past the second): a round the test makes overdue
    could be revealed by that server in the few milliseconds before the test reveals it."""
    phase = time.time() % SWEEP_EVERY_S
    if phase > SWEEP_EVERY_S - 0.3 or phase < 0.9:
        await asyncio.sleep((0.9 - phase) % SWEEP_EVERY_S)


async def make_overdue(issue_id: int) -> None:
    """Move the open round's timer into the past (an UPDATE, as if its time had passed)."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    assert await Issue.filter(id=issue_id).update(voting_ends_at=past) == 1

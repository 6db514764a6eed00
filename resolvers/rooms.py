"""Rooms and their members: the room queries, and the room and membership mutations.

Authorization: only members read a room; what a member may change depends on their role
(services/rooms/access.py). `room(id)` of a room you are not a member of is a top-level
FORBIDDEN error; an id that names no room is null. A change you may not make is a top-level
FORBIDDEN; an unknown room id is a NOT_FOUND payload error.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info

from models.rooms import RoomMember as RoomMemberModel
from resolvers.errors import Forbidden
from resolvers.payloads import payload_mutation
from resolvers.permissions import require_user
from schema.context import Context
from schema.types.issues import Issue
from schema.types.rooms import (
    CreateRoomInput,
    CreateRoomPayload,
    DeckCardInput,
    JoinRoomPayload,
    Room,
    RoomMember,
    RoomMemberPayload,
    RoomPayload,
    RoomRole,
    UpdateRoomInput,
)
from services.rooms import members, rooms
from services.rooms.access import RoomAccessDenied

T = TypeVar("T")


async def guarded(call: Awaitable[T]) -> T:
    """Queries have no payload: a room-access refusal is a top-level FORBIDDEN."""
    try:
        return await call
    except RoomAccessDenied as denied:
        raise Forbidden(denied.message) from None


def _pairs(cards: list[DeckCardInput] | None) -> list[tuple[str, float | None]] | None:
    return None if cards is None else [(card.label, card.value) for card in cards]


def _given(value: Any) -> Any:
    return None if value is strawberry.UNSET else value


def _settings(input: UpdateRoomInput) -> rooms.RoomSettings:
    return rooms.RoomSettings(
        name=_given(input.name),
        cards=_pairs(_given(input.cards)),
        auto_reveal=_given(input.auto_reveal),
        default_voting_seconds=_given(input.default_voting_seconds),
        clear_default_voting_seconds=input.default_voting_seconds is None,
    )


def _membership(member: RoomMemberModel) -> RoomMember:
    row = {"role": member.role, "joined_at": member.joined_at, "user_id": member.user_id}  # type: ignore[attr-defined]
    return RoomMember.from_row(member.room_id, row)  # type: ignore[attr-defined]


@strawberry.type
class Query:
    @strawberry.field(description="A room you are a member of; null if no room has this id.")
    async def room(self, info: Info[Context, None], id: strawberry.ID) -> Room | None:
        user = await require_user(info)
        room = await guarded(rooms.room_for_member(user.id, id))
        return Room.from_model(room) if room else None

    @strawberry.field(description="Rooms you are a member of, oldest first.")
    async def my_rooms(self, info: Info[Context, None]) -> list[Room]:
        user = await require_user(info)
        return [Room.from_model(room) for room in await rooms.rooms_of(user.id)]

    @strawberry.field(
        description="An issue of a room you are a member of; null if no issue has this id."
    )
    async def issue(self, info: Info[Context, None], id: strawberry.ID) -> Issue | None:
        user = await require_user(info)
        issue = await guarded(rooms.issue_for_member(user.id, id))
        return Issue.from_model(issue) if issue else None


@strawberry.type
class Mutation:
    @payload_mutation("Create a room; you become its owner, first member and facilitator.")
    async def create_room(
        self, info: Info[Context, None], input: CreateRoomInput
    ) -> CreateRoomPayload:
        user = await require_user(info)
        settings = rooms.RoomSettings(
            name=input.name,
            deck=input.deck,
            cards=_pairs(input.cards),
            auto_reveal=input.auto_reveal,
            default_voting_seconds=input.default_voting_seconds,
        )
        room = await rooms.create_configured_room(user, settings)
        return CreateRoomPayload(room=Room.from_model(room))

    @payload_mutation("Join a room by its id (idempotent); as a spectator to watch only.")
    async def join_room(
        self, info: Info[Context, None], room_id: strawberry.ID, as_spectator: bool | None = False
    ) -> JoinRoomPayload:
        user = await require_user(info)
        bus = info.context.runtime.bus
        room = await rooms.join_room(user, room_id, bus, as_spectator=bool(as_spectator))
        return JoinRoomPayload(room=Room.from_model(room))

    @payload_mutation("Change the room's name, cards, autoReveal or timer (facilitators).")
    async def update_room(
        self, info: Info[Context, None], room_id: strawberry.ID, input: UpdateRoomInput
    ) -> RoomPayload:
        user = await require_user(info)
        runtime = info.context.runtime
        room = await rooms.update_room(runtime, user, room_id, _settings(input))
        return RoomPayload(room=Room.from_model(room))

    @payload_mutation("Give a member another role (facilitators; the owner stays one).")
    async def set_member_role(
        self,
        info: Info[Context, None],
        room_id: strawberry.ID,
        user_id: strawberry.ID,
        role: RoomRole,
    ) -> RoomMemberPayload:
        user = await require_user(info)
        runtime = info.context.runtime
        member = await members.set_member_role(runtime, user, room_id, user_id, role)
        return RoomMemberPayload(membership=_membership(member))

    @payload_mutation("Remove a member (facilitators); their subscriptions to the room end.")
    async def remove_member(
        self, info: Info[Context, None], room_id: strawberry.ID, user_id: strawberry.ID
    ) -> RoomMemberPayload:
        user = await require_user(info)
        member = await members.remove_member(info.context.runtime, user, room_id, user_id)
        return RoomMemberPayload(membership=_membership(member))

    @payload_mutation("Leave a room (its owner cannot).")
    async def leave_room(
        self, info: Info[Context, None], room_id: strawberry.ID
    ) -> RoomMemberPayload:
        user = await require_user(info)
        member = await members.leave_room(info.context.runtime, user, room_id)
        return RoomMemberPayload(membership=_membership(member))

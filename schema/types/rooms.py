"""Rooms, their members and roles, the deck's cards, and the room inputs and payloads."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from models.rooms import Room as RoomModel
from models.rooms import RoomRole as RoomRoleEnum
from schema.context import Context
from schema.types.common import UserError
from schema.types.issues import Issue, Vote
from schema.types.jira.mapping import RoomJiraMapping
from schema.types.users import User
from services.rooms import queries as rooms_queries
from services.rooms.cards import Card, cards_of, labels
from services.rooms.report import room_report_csv

RoomRole = strawberry.enum(
    RoomRoleEnum, name="RoomRole", description="The owner is always a FACILITATOR."
)


@strawberry.type(description="A card of the deck; `value` is the number pushed to Jira.")
class DeckCard:
    label: str
    value: float | None = strawberry.field(description="null: never pushed (?, ☕).")


@strawberry.type
class RoomMember:
    role: RoomRole
    joined_at: datetime
    user_id: strawberry.Private[int]
    room_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, room_id: uuid.UUID, row: Mapping[str, Any]) -> RoomMember:
        return cls(
            role=RoomRoleEnum(row["role"]),
            joined_at=row["joined_at"],
            user_id=row["user_id"],
            room_id=room_id,
        )

    @strawberry.field
    async def user(self, info: Info[Context, None]) -> User:
        user = await info.context.loaders.user.load(self.user_id)
        assert user is not None  # memberships cascade with their user
        return User.from_model(user)

    @strawberry.field(
        description="Holds a live roomEvents subscription to the room, on any server."
    )
    async def online(self, info: Info[Context, None]) -> bool:
        return self.user_id in await info.context.loaders.room_online.load(str(self.room_id))


@strawberry.type
class Room:
    id: strawberry.ID
    name: str
    created_at: datetime
    auto_reveal: bool = strawberry.field(
        description="The vote that completes the set of voters reveals the round."
    )
    default_voting_seconds: int | None = strawberry.field(
        description="The timer of a round started without `seconds`; null: no timer."
    )
    db_id: strawberry.Private[uuid.UUID]
    owner_id: strawberry.Private[int]
    deck_cards: strawberry.Private[list[Card]]

    @classmethod
    def from_model(cls, room: RoomModel) -> Room:
        return cls(
            id=strawberry.ID(str(room.id)),
            name=room.name,
            created_at=room.created_at,
            auto_reveal=room.auto_reveal,
            default_voting_seconds=room.default_voting_seconds,
            db_id=room.id,
            owner_id=room.owner_id,  # type: ignore[attr-defined]
            deck_cards=cards_of(room.deck),
        )

    @strawberry.field(description="The cards' labels, in order.")
    def deck(self) -> list[str]:
        return labels(self.deck_cards)

    @strawberry.field(description="The cards in order, with the value each pushes to Jira.")
    def cards(self) -> list[DeckCard]:
        return [DeckCard(label=card.label, value=card.value) for card in self.deck_cards]

    @strawberry.field(description="Members with their roles, in the order they joined.")
    async def memberships(self, info: Info[Context, None]) -> list[RoomMember]:
        rows = await info.context.loaders.room_memberships.load(self.db_id)
        return [RoomMember.from_row(self.db_id, row) for row in rows]

    @strawberry.field(description="Your role in this room.")
    async def viewer_role(self, info: Info[Context, None]) -> RoomRole | None:
        viewer = info.context.user
        rows = await info.context.loaders.room_memberships.load(self.db_id)
        roles = [row["role"] for row in rows if viewer is not None and row["user_id"] == viewer.id]
        return RoomRoleEnum(roles[0]) if roles else None

    @strawberry.field(
        description="The room as CSV (RFC 4180): a row per issue with its estimate and statistics."
    )
    async def report_csv(self) -> str:
        return await room_report_csv(self.db_id)

    @strawberry.field(description="The creator, who owns the room.")
    async def owner(self, info: Info[Context, None]) -> User:
        user = await info.context.loaders.user.load(self.owner_id)
        assert user is not None  # owners cannot be deleted while they own rooms
        return User.from_model(user)

    @strawberry.field(description="Members in the order they joined (roles: memberships).")
    async def members(self, info: Info[Context, None]) -> list[User]:
        ids = await info.context.loaders.room_member_ids.load(self.db_id)
        users = await info.context.loaders.user.load_many(ids)
        return [User.from_model(user) for user in users if user is not None]

    @strawberry.field(description="Issues in their order (position).")
    async def issues(self, info: Info[Context, None]) -> list[Issue]:
        loaders = info.context.loaders
        rows = await loaders.room_issues.load(self.db_id)
        issues = [Issue.from_row(row) for row in rows]
        if issues and _selects(info.selected_fields, "votes"):
            # One query for the whole room, without a DataLoader future per issue.
            vote_rows = await rooms_queries.votes_by_issue([issue.db_id for issue in issues])
            made: dict[tuple[int, str | None], Vote] = {}
            for issue, votes in zip(issues, vote_rows, strict=True):
                issue.prefetched_votes = issue.visible_votes(votes, info.context.user, made)
        return issues

    @strawberry.field(description="The room's Jira mapping, or null.")
    async def jira_mapping(self, info: Info[Context, None]) -> RoomJiraMapping | None:
        mapping = await info.context.loaders.room_jira_mapping.load(self.db_id)
        return RoomJiraMapping.from_model(mapping) if mapping else None


def _selects(selections: Sequence[Any], name: str) -> bool:
    """Whether the selection (through fragments, not into nested fields) asks for `name`."""
    for selection in selections:
        for child in getattr(selection, "selections", ()):
            if isinstance(child, SelectedField):
                if child.name == name:
                    return True
            elif _selects([child], name):
                return True
    return False


@strawberry.input
class DeckCardInput:
    label: str
    value: float | None = None


@strawberry.input
class CreateRoomInput:
    name: str
    deck: list[str] | None = strawberry.field(
        default=None, description="Cards in order; default 0 1 2 3 5 8 13 21 ? ☕."
    )
    cards: list[DeckCardInput] | None = strawberry.field(
        default=None, description="Cards with values (instead of `deck`)."
    )
    auto_reveal: bool | None = None
    default_voting_seconds: int | None = None


@strawberry.input
class UpdateRoomInput:
    name: str | None = strawberry.UNSET
    cards: list[DeckCardInput] | None = strawberry.field(
        default=strawberry.UNSET, description="Refused while a round is open."
    )
    auto_reveal: bool | None = strawberry.UNSET
    default_voting_seconds: int | None = strawberry.field(
        default=strawberry.UNSET, description="null turns the default timer off."
    )


@strawberry.type
class CreateRoomPayload:
    room: Room | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class JoinRoomPayload:
    room: Room | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RoomPayload:
    room: Room | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RoomMemberPayload:
    membership: RoomMember | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)

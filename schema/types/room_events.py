"""The roomEvents union: what changed in a room, each event with what a client re-renders."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from schema.context import Context
from schema.types.issues import Issue
from schema.types.jira.mapping import RoomJiraMapping
from schema.types.rooms import Room, RoomMember


@strawberry.type(description="An issue was added to the room.")
class IssueAdded:
    issue: Issue
    at: datetime


@strawberry.type(description="An issue's title, description or Jira link changed.")
class IssueUpdated:
    issue: Issue
    at: datetime


@strawberry.type(description="An issue was removed; `issue` is null once it is gone.")
class IssueRemoved:
    issue_id: strawberry.ID
    issue: Issue | None
    at: datetime


@strawberry.type(description="Voting state changed: round started, vote cast, revealed, done.")
class VotingUpdated:
    issue: Issue
    at: datetime


@strawberry.type(description="The push of an issue's estimate to Jira changed state.")
class EstimatePushUpdated:
    issue: Issue
    at: datetime


@strawberry.type(description="The room's Jira mapping changed; read Room.jiraMapping again.")
class RoomJiraMappingUpdated:
    room_id: strawberry.ID
    at: datetime

    @strawberry.field(description="The mapping now; null once removed.")
    async def mapping(self, info: Info[Context, None]) -> RoomJiraMapping | None:
        row = await info.context.loaders.room_jira_mapping.load(uuid.UUID(str(self.room_id)))
        return RoomJiraMapping.from_model(row) if row else None


@strawberry.type(description="A member joined, changed role, went online or offline, or left.")
class MemberUpdated:
    membership: RoomMember
    removed: bool = strawberry.field(description="Removed from the room, or left it.")
    at: datetime


@strawberry.type(description="The room's name, cards, autoReveal or default timer changed.")
class RoomUpdated:
    room: Room
    at: datetime


RoomEvent = Annotated[
    IssueAdded
    | IssueUpdated
    | IssueRemoved
    | VotingUpdated
    | EstimatePushUpdated
    | RoomJiraMappingUpdated
    | MemberUpdated
    | RoomUpdated,
    strawberry.union("RoomEvent"),
]

"""Rooms, issues, votes, their payloads and the RoomEvent union."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from models.jira import EstimatePushStatus as EstimatePushStatusEnum
from models.rooms import Issue as IssueModel
from models.rooms import IssueStatus as IssueStatusEnum
from models.rooms import Room as RoomModel
from models.users import User as UserModel
from schema.context import Context
from schema.types.common import UserError
from schema.types.jira.mapping import RoomJiraMapping
from schema.types.users import User
from services.rooms import queries as rooms_queries

IssueStatus = strawberry.enum(IssueStatusEnum, name="IssueStatus")
_REVEALED = (IssueStatusEnum.REVEALED, IssueStatusEnum.ESTIMATED)


EstimatePushStatus = strawberry.enum(EstimatePushStatusEnum, name="EstimatePushStatus")


@strawberry.type(description="The Jira issue an AgileKit issue was imported from.")
class JiraIssueLink:
    key: str
    url: str
    jira_issue_id: str
    last_synced_at: datetime
    push_status: EstimatePushStatus
    pushed_estimate: str | None
    push_error: str | None
    deleted_in_jira: bool

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> JiraIssueLink:
        return cls(
            key=row["key"],
            url=row["url"],
            jira_issue_id=row["jira_issue_id"],
            last_synced_at=row["last_synced_at"],
            push_status=EstimatePushStatusEnum(row["push_status"]),
            pushed_estimate=row["pushed_estimate"],
            push_error=row["push_error"],
            deleted_in_jira=row["deleted_in_jira"],
        )


@strawberry.type(description="A member's vote; `value` is null for others until revealed.")
class Vote:
    user_id: strawberry.Private[int]
    has_voted: bool
    value: str | None

    @strawberry.field
    async def user(self, info: Info[Context, None]) -> User:
        user = await info.context.loaders.user.load(self.user_id)
        assert user is not None  # votes cascade with their user
        return User.from_model(user)


@strawberry.type
class Issue:
    id: strawberry.ID
    title: str
    description: str | None
    status: IssueStatus
    final_estimate: str | None
    position: int
    db_id: strawberry.Private[int]
    room_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Issue:
        return cls(
            id=strawberry.ID(str(row["id"])),
            title=row["title"],
            description=row["description"],
            status=IssueStatusEnum(row["status"]),
            final_estimate=row["final_estimate"],
            position=row["position"],
            db_id=row["id"],
            room_id=row["room_id"],
        )

    @classmethod
    def from_model(cls, issue: IssueModel) -> Issue:
        return cls.from_row({name: getattr(issue, name) for name in _ISSUE_ROW_FIELDS})

    # Filled by Room.issues when the query selects votes, so no per-issue awaitable remains.
    prefetched_votes: strawberry.Private[list[Vote] | None] = None

    @strawberry.field(
        description="This round's votes; values hidden from others until revealed.",
        graphql_type=list[Vote],
    )
    def votes(self, info: Info[Context, None]) -> list[Vote] | Awaitable[list[Vote]]:
        if self.prefetched_votes is not None:
            return self.prefetched_votes
        return self._load_votes(info)

    async def _load_votes(self, info: Info[Context, None]) -> list[Vote]:
        rows = await info.context.loaders.issue_votes.load(self.db_id)
        return self.visible_votes(rows, info.context.user)

    def visible_votes(self, rows: list[Mapping[str, Any]], viewer: UserModel | None) -> list[Vote]:
        """Votes as `viewer` may see them: values of others only once revealed."""
        viewer_id = viewer.id if viewer is not None else None
        revealed = self.status in _REVEALED
        return [
            Vote(
                user_id=row["user_id"],
                has_voted=True,
                value=row["value"] if revealed or row["user_id"] == viewer_id else None,
            )
            for row in rows
        ]

    @strawberry.field(description="The Jira issue this one was imported from, if any.")
    async def jira_link(self, info: Info[Context, None]) -> JiraIssueLink | None:
        row = await info.context.loaders.issue_jira_link.load(self.db_id)
        return JiraIssueLink.from_row(row) if row is not None else None


_ISSUE_ROW_FIELDS = (
    "id",
    "room_id",
    "position",
    "title",
    "description",
    "status",
    "final_estimate",
)


@strawberry.type
class Room:
    id: strawberry.ID
    name: str
    deck: list[str]
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    owner_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, room: RoomModel) -> Room:
        return cls(
            id=strawberry.ID(str(room.id)),
            name=room.name,
            deck=list(room.deck),
            created_at=room.created_at,
            db_id=room.id,
            owner_id=room.owner_id,
        )

    @strawberry.field(description="The creator, who owns the room.")
    async def owner(self, info: Info[Context, None]) -> User:
        user = await info.context.loaders.user.load(self.owner_id)
        assert user is not None  # owners cannot be deleted while they own rooms
        return User.from_model(user)

    @strawberry.field(description="Members in the order they joined.")
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
            for issue, votes in zip(issues, vote_rows, strict=True):
                issue.prefetched_votes = issue.visible_votes(votes, info.context.user)
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
class CreateRoomInput:
    name: str
    deck: list[str] | None = strawberry.field(
        default=None, description="Cards in order; default 0 1 2 3 5 8 13 21 ? ☕."
    )


@strawberry.input
class AddIssueInput:
    room_id: strawberry.ID
    title: str
    description: str | None = None


@strawberry.type
class CreateRoomPayload:
    room: Room | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class JoinRoomPayload:
    room: Room | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AddIssuePayload:
    issue: Issue | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RemoveIssuePayload:
    issue_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class VotingPayload:
    issue: Issue | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


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


RoomEvent = Annotated[
    IssueAdded
    | IssueUpdated
    | IssueRemoved
    | VotingUpdated
    | EstimatePushUpdated
    | RoomJiraMappingUpdated,
    strawberry.union("RoomEvent"),
]

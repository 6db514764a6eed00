"""Issues, their votes, statistics and kept rounds, the Jira link, and the issue payloads."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Mapping
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from models.jira import EstimatePushStatus as EstimatePushStatusEnum
from models.rooms import Issue as IssueModel
from models.rooms import IssueStatus as IssueStatusEnum
from models.users import User as UserModel
from schema.context import Context
from schema.types.common import UserError
from schema.types.prefetch import prefetched
from schema.types.users import User
from services.rooms.queries import ISSUE_FIELDS
from services.rooms.stats import VoteStats as VoteStatsData

IssueStatus = strawberry.enum(IssueStatusEnum, name="IssueStatus")
_REVEALED = (IssueStatusEnum.REVEALED, IssueStatusEnum.ESTIMATED)
_STATUSES = {status.value: status for status in IssueStatusEnum}  # str-enum members hash as values


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
    in_sprint: bool = strawberry.field(
        description="False once Jira moved the issue out of the room's mapped sprint; true again "
        "when it returns (IssueUpdated tells live rooms)."
    )
    parent_key: str | None = strawberry.field(
        default=None,
        description="A sub-task's parent issue key (kept current by webhooks); null otherwise.",
    )

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
            in_sprint=row.get("in_sprint", True),
            parent_key=row.get("parent_key"),
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


@strawberry.type(
    description="A revealed round's statistics; only voters' votes count, never spectators'."
)
class VoteStats:
    voters: int = strawberry.field(description="Votes cast.")
    numeric: int = strawberry.field(description="Votes on a card with a value.")
    mean: float | None = strawberry.field(description="Over the cards with a value.")
    median: float | None = strawberry.field(description="Over the cards with a value.")
    min: str | None = strawberry.field(description="The lowest valued card voted.")
    max: str | None = strawberry.field(description="The highest valued card voted.")
    mode: list[str] = strawberry.field(description="The most frequent cards, in deck order.")
    agreement: float = strawberry.field(description="Share of votes on the first mode, 0..1.")
    consensus: bool = strawberry.field(description="Every vote the same card.")
    suggestion: str | None = strawberry.field(
        description="The card whose value is nearest the median (a tie: the higher)."
    )

    @classmethod
    def from_json(cls, stored: Mapping[str, Any]) -> VoteStats:
        data = VoteStatsData.from_json(dict(stored))
        return cls(
            voters=data.voters,
            numeric=data.numeric,
            mean=data.mean,
            median=data.median,
            min=data.min,
            max=data.max,
            mode=list(data.mode),
            agreement=data.agreement,
            consensus=data.consensus,
            suggestion=data.suggestion,
        )


@strawberry.type(description="A revealed round a re-vote kept, with who voted what.")
class VotingRound:
    round: int
    stats: VoteStats
    revealed_at: datetime
    stored_votes: strawberry.Private[list[dict[str, Any]]]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> VotingRound:
        return cls(
            round=row["round"],
            stats=VoteStats.from_json(row["stats"]),
            revealed_at=row["revealed_at"],
            stored_votes=list(row["votes"]),
        )

    @strawberry.field(description="The round's votes, all revealed.")
    def votes(self) -> list[Vote]:
        return [
            Vote(user_id=int(vote["user_id"]), has_voted=True, value=str(vote["value"]))
            for vote in self.stored_votes
        ]


@strawberry.type
class Issue:
    id: strawberry.ID
    title: str
    description: str | None
    status: IssueStatus
    final_estimate: str | None
    position: int
    round: int = strawberry.field(description="The voting round: 0 before the first.")
    voting_ends_at: datetime | None = strawberry.field(
        description="When the timer reveals this round; null without a timer."
    )
    db_id: strawberry.Private[int]
    room_id: strawberry.Private[uuid.UUID]
    stored_stats: strawberry.Private[Mapping[str, Any] | None]

    @classmethod
    def from_row(
        cls, row: Mapping[str, Any], jira_link_row: Mapping[str, Any] | None = None
    ) -> Issue:
        """`jira_link_row`: the issue's link when the caller has read it (its `jiraLink` is
        then read without a query)."""
        made = cls(
            id=strawberry.ID(str(row["id"])),
            title=row["title"],
            description=row["description"],
            status=_STATUSES[row["status"]],
            final_estimate=row["final_estimate"],
            position=row["position"],
            round=row["voting_round"],
            voting_ends_at=row["voting_ends_at"],
            db_id=row["id"],
            room_id=row["room_id"],
            stored_stats=row["stats"],
        )
        if jira_link_row is not None:
            made.prefetched_jira_link = JiraIssueLink.from_row(jira_link_row)
        return made

    @classmethod
    def from_model(cls, issue: IssueModel) -> Issue:
        return cls.from_row({name: getattr(issue, name) for name in ISSUE_FIELDS})

    # Filled by Room.issues when the query selects votes, so no per-issue awaitable remains.
    prefetched_votes: strawberry.Private[list[Vote] | None] = None
    prefetched_jira_link: strawberry.Private[JiraIssueLink | None] = None

    @strawberry.field(
        description="This round's votes; values hidden from others until revealed.",
        graphql_type=list[Vote],
    )
    @prefetched("prefetched_votes")
    def votes(self, info: Info[Context, None]) -> list[Vote] | Awaitable[list[Vote]]:
        if self.prefetched_votes is not None:
            return self.prefetched_votes
        return self._load_votes(info)

    async def _load_votes(self, info: Info[Context, None]) -> list[Vote]:
        rows = await info.context.loaders.issue_votes.load(self.db_id)
        return self.visible_votes(rows, info.context.user)

    def visible_votes(
        self,
        rows: list[Mapping[str, Any]],
        viewer: UserModel | None,
        made: dict[tuple[int, str | None], Vote] | None = None,
    ) -> list[Vote]:
        """Votes as `viewer` may see them: values of others only once revealed. `made`: votes
        already built for other issues of the same answer; equal votes are one object (a room
        of 100 issues and 5 voters has at most 5 per card, not 500)."""
        viewer_id = viewer.id if viewer is not None else None
        revealed = self.status in _REVEALED
        made = {} if made is None else made
        votes = []
        for row in rows:
            user_id = row["user_id"]
            value = row["value"] if revealed or user_id == viewer_id else None
            vote = made.get((user_id, value))
            if vote is None:
                vote = made[user_id, value] = Vote(user_id=user_id, has_voted=True, value=value)
            votes.append(vote)
        return votes

    @strawberry.field(description="This round's statistics, once revealed.")
    def stats(self) -> VoteStats | None:
        return VoteStats.from_json(self.stored_stats) if self.stored_stats else None

    @strawberry.field(description="Earlier revealed rounds kept by re-votes, oldest first.")
    async def rounds(self, info: Info[Context, None]) -> list[VotingRound]:
        rows = await info.context.loaders.issue_rounds.load(self.db_id)
        return [VotingRound.from_row(row) for row in rows]

    @strawberry.field(
        description="The Jira issue this one was imported from, if any.",
        graphql_type=JiraIssueLink | None,
    )
    @prefetched("prefetched_jira_link")
    def jira_link(
        self, info: Info[Context, None]
    ) -> JiraIssueLink | Awaitable[JiraIssueLink | None] | None:
        if self.prefetched_jira_link is not None:
            return self.prefetched_jira_link
        return self._load_jira_link(info)

    async def _load_jira_link(self, info: Info[Context, None]) -> JiraIssueLink | None:
        row = await info.context.loaders.issue_jira_link.load(self.db_id)
        return JiraIssueLink.from_row(row) if row is not None else None


@strawberry.input
class AddIssueInput:
    room_id: strawberry.ID
    title: str
    description: str | None = None


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


@strawberry.type
class IssuePayload:
    issue: Issue | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)

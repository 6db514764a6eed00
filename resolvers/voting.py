"""Issues and voting rounds: add, remove and move issues; start, vote, reveal, re-vote,
complete. Who may do each is the domain's rule (services/rooms/access.py): a refusal is a
top-level FORBIDDEN, an unknown issue a NOT_FOUND payload error."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.types import Info

from models.rooms import Issue as IssueModel
from resolvers.payloads import payload_mutation
from resolvers.permissions import require_user
from schema.context import Context
from schema.types.issues import (
    AddIssueInput,
    AddIssuePayload,
    Issue,
    IssuePayload,
    RemoveIssuePayload,
    VotingPayload,
)
from services.rooms import rooms, voting


async def _voting(
    info: Info[Context, None], action: Callable[..., Awaitable[IssueModel]], *args: Any
) -> VotingPayload:
    user = await require_user(info)
    issue = await action(info.context.runtime, user, *args)
    return VotingPayload(issue=Issue.from_model(issue))


@strawberry.type
class Mutation:
    @payload_mutation("Add an issue at the end of the room's list (voters and facilitators).")
    async def add_issue(self, info: Info[Context, None], input: AddIssueInput) -> AddIssuePayload:
        user = await require_user(info)
        bus = info.context.runtime.bus
        issue = await rooms.add_issue(user, input.room_id, input.title, input.description, bus)
        return AddIssuePayload(issue=Issue.from_model(issue))

    @payload_mutation("Delete an issue and its votes.")
    async def remove_issue(
        self, info: Info[Context, None], issue_id: strawberry.ID
    ) -> RemoveIssuePayload:
        user = await require_user(info)
        issue = await rooms.remove_issue(user, issue_id, info.context.runtime.bus)
        return RemoveIssuePayload(issue_id=strawberry.ID(str(issue.id)))

    @payload_mutation("Move an issue to a position (1 is the top); the others close up.")
    async def move_issue(
        self, info: Info[Context, None], issue_id: strawberry.ID, position: int
    ) -> IssuePayload:
        user = await require_user(info)
        issue = await rooms.move_issue(info.context.runtime, user, issue_id, position)
        return IssuePayload(issue=Issue.from_model(issue))

    @payload_mutation(
        "Open a new voting round (clears votes and estimate); `seconds` sets a timer that"
        " reveals the round (default: the room's defaultVotingSeconds)."
    )
    async def start_voting(
        self, info: Info[Context, None], issue_id: strawberry.ID, seconds: int | None = None
    ) -> VotingPayload:
        return await _voting(info, voting.start_voting, issue_id, seconds)

    @payload_mutation("Vote a card of the deck; a revote replaces your vote.")
    async def cast_vote(
        self, info: Info[Context, None], issue_id: strawberry.ID, value: str
    ) -> VotingPayload:
        return await _voting(info, voting.cast_vote, issue_id, value)

    @payload_mutation("Show everyone's votes and the round's statistics.")
    async def reveal_votes(
        self, info: Info[Context, None], issue_id: strawberry.ID
    ) -> VotingPayload:
        return await _voting(info, voting.reveal_votes, issue_id)

    @payload_mutation("Vote again: the revealed round is kept in `rounds`, a new one opens.")
    async def revote_issue(
        self, info: Info[Context, None], issue_id: strawberry.ID
    ) -> VotingPayload:
        return await _voting(info, voting.revote_issue, issue_id)

    @payload_mutation("Record the agreed estimate (a card of the deck).")
    async def complete_issue_voting(
        self, info: Info[Context, None], issue_id: strawberry.ID, final_estimate: str
    ) -> VotingPayload:
        return await _voting(info, voting.complete_issue_voting, issue_id, final_estimate)

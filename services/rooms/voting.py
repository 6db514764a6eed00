"""Voting on an issue: PENDING -> VOTING -> REVEALED -> ESTIMATED, one round at a time.

Rules:
- startVoting from PENDING, REVEALED or ESTIMATED starts a new round: votes and any final
  estimate are cleared (re-estimation is allowed). From VOTING it is an INVALID_STATE error.
- castVote only while VOTING; the value must be a card of the room's deck; one vote per user per
  round, a revote replaces it.
- revealVotes only while VOTING. completeIssueVoting only when REVEALED, with a card of the deck.
- Every check runs under a row lock on the issue (SELECT ... FOR UPDATE), so concurrent calls
  see each other's effects; a failed check changes nothing.

`completeIssueVoting` is the single "consensus reached" point: `runtime.hooks.issue_estimated`
run after the commit with (runtime, issue, final_estimate, votes) (wiring.py connects them; a
failing hook is logged and does not fail the completion). Rooms know nothing of Jira.
"""

from __future__ import annotations

from collections.abc import Collection

from tortoise.transactions import in_transaction

from core.errors import ErrorCode, ServiceError, invalid
from models.rooms import Issue, IssueStatus, Room, Vote
from models.users import User
from services.rooms.events import RoomEventKind, publish_room_event
from services.rooms.rooms import require_issue_member
from services.runtime import Runtime, run_hooks


async def start_voting(runtime: Runtime, user: User, issue_id: str | int) -> Issue:
    allowed = (IssueStatus.PENDING, IssueStatus.REVEALED, IssueStatus.ESTIMATED)
    async with in_transaction():
        issue = await _locked_issue(user, issue_id)
        _require_status(issue, allowed, "Voting is already open on this issue.")
        await Vote.filter(issue_id=issue.id).delete()
        issue.status, issue.final_estimate = IssueStatus.VOTING, None
        issue.voting_round += 1
        await issue.save(update_fields=["status", "final_estimate", "voting_round", "updated_at"])
    await publish_room_event(runtime.bus, issue.room_id, RoomEventKind.VOTING_UPDATED, issue.id)
    return issue


async def cast_vote(runtime: Runtime, user: User, issue_id: str | int, value: str) -> Issue:
    async with in_transaction():
        issue = await _locked_issue(user, issue_id)
        _require_status(issue, (IssueStatus.VOTING,), "Voting is not open on this issue.")
        card = await _card_of_deck(issue, value, "value")
        await Vote.bulk_create(
            [Vote(issue_id=issue.id, user_id=user.id, value=card)],
            on_conflict=["issue_id", "user_id"],
            update_fields=["value", "cast_at"],
        )
    await publish_room_event(runtime.bus, issue.room_id, RoomEventKind.VOTING_UPDATED, issue.id)
    return issue


async def reveal_votes(runtime: Runtime, user: User, issue_id: str | int) -> Issue:
    async with in_transaction():
        issue = await _locked_issue(user, issue_id)
        _require_status(issue, (IssueStatus.VOTING,), "Votes can be revealed only while voting.")
        issue.status = IssueStatus.REVEALED
        await issue.save(update_fields=["status", "updated_at"])
    await publish_room_event(runtime.bus, issue.room_id, RoomEventKind.VOTING_UPDATED, issue.id)
    return issue


async def complete_issue_voting(
    runtime: Runtime, user: User, issue_id: str | int, final_estimate: str
) -> Issue:
    async with in_transaction():
        issue = await _locked_issue(user, issue_id)
        _require_status(
            issue, (IssueStatus.REVEALED,), "Reveal the votes before completing the voting."
        )
        card = await _card_of_deck(issue, final_estimate, "finalEstimate")
        issue.status, issue.final_estimate = IssueStatus.ESTIMATED, card
        await issue.save(update_fields=["status", "final_estimate", "updated_at"])
        votes = await Vote.filter(issue_id=issue.id).order_by("id")
    await publish_room_event(runtime.bus, issue.room_id, RoomEventKind.VOTING_UPDATED, issue.id)
    await run_hooks(runtime.hooks.issue_estimated, runtime, issue, card, votes)
    return issue


async def _locked_issue(user: User, issue_id: str | int) -> Issue:
    """The issue, row-locked for this transaction, after checking the user's membership."""
    return await require_issue_member(user.id, issue_id, for_update=True)


def _require_status(issue: Issue, allowed: Collection[IssueStatus], message: str) -> None:
    if issue.status not in allowed:
        raise ServiceError(
            ErrorCode.INVALID_STATE, f"{message} (status is {issue.status.value})", "issueId"
        )


async def _card_of_deck(issue: Issue, value: str, field: str) -> str:
    deck = await Room.filter(id=issue.room_id).first().values_list("deck", flat=True)
    card = value.strip()
    if card not in (deck or []):
        raise invalid("Pick a card of the room's deck.", field)
    return card

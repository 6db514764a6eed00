"""Voting on an issue: PENDING -> VOTING -> REVEALED -> ESTIMATED, round after round.

Rules (who may: services/rooms/access.py):
- startVoting (facilitators) from PENDING, REVEALED or ESTIMATED opens a new round: votes,
  statistics and any final estimate are cleared. `seconds` (or the room's
  defaultVotingSeconds) sets a timer: when `voting_ends_at` passes, the round is revealed by
  the server, exactly once (a deferred job, and a sweep for any the queue lost).
- castVote (voters and facilitators) only while VOTING; a card of the room's deck; one vote per
  member and round, a revote replaces it. With the room's autoReveal, the vote that completes
  the set of voters reveals the round.
- revealVotes (facilitators) only while VOTING: sets the round's statistics.
- revoteIssue (facilitators) only when REVEALED: the revealed round is kept in `rounds` with its
  votes and statistics, and a new round opens.
- completeIssueVoting (facilitators) only when REVEALED, with a card of the deck.
- Every check runs under a row lock on the issue (SELECT ... FOR UPDATE), so concurrent calls,
  timers and sweeps see each other's effects; a failed check changes nothing.

`completeIssueVoting` is the single "consensus reached" point: `runtime.hooks.issue_estimated`
run after the commit with (runtime, issue, final_estimate, votes) (wiring.py connects them; a
failing hook is logged and does not fail the completion). Rooms know nothing of Jira.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from core.errors import ErrorCode, ServiceError, invalid
from models.rooms import Issue, IssueStatus, Room, RoomRole, Vote, VotingRound
from models.users import User
from services.rooms.access import FACILITATORS, VOTERS, require_role, voter_ids
from services.rooms.cards import cards_of
from services.rooms.events import RoomEventKind, publish_room_event
from services.rooms.rooms import checked_voting_seconds, require_issue_member
from services.rooms.stats import vote_stats
from services.runtime import Runtime, run_hooks

MAX_KEPT_ROUNDS = 20  # the newest revealed rounds an issue keeps (Issue.rounds)
_OPENABLE = (IssueStatus.PENDING, IssueStatus.REVEALED, IssueStatus.ESTIMATED)


async def start_voting(
    runtime: Runtime, user: User, issue_id: str | int, seconds: int | None = None
) -> Issue:
    checked_voting_seconds(seconds, "seconds")
    async with in_transaction():
        issue = await _locked_issue(user, issue_id, FACILITATORS, "start voting")
        _require_status(issue, _OPENABLE, "Voting is already open on this issue.")
        await Vote.filter(issue_id=issue.id).delete()
        issue.final_estimate = None
        await _open_round(issue, seconds)
    await _opened(runtime, issue)
    return issue


async def revote_issue(runtime: Runtime, user: User, issue_id: str | int) -> Issue:
    async with in_transaction():
        issue = await _locked_issue(user, issue_id, FACILITATORS, "start a re-vote")
        _require_status(issue, (IssueStatus.REVEALED,), "Only a revealed round can be re-voted.")
        await _keep_round(issue)
        await Vote.filter(issue_id=issue.id).delete()
        await _open_round(issue, None)
    await _opened(runtime, issue)
    return issue


async def cast_vote(runtime: Runtime, user: User, issue_id: str | int, value: str) -> Issue:
    async with in_transaction():
        issue = await _locked_issue(user, issue_id, VOTERS, "vote")
        _require_status(issue, (IssueStatus.VOTING,), "Voting is not open on this issue.")
        room = await Room.get(id=issue.room_id)
        card = _card_of_deck(room, value, "value")
        await Vote.bulk_create(
            [Vote(issue_id=issue.id, user_id=user.id, value=card)],
            on_conflict=["issue_id", "user_id"],
            update_fields=["value", "cast_at"],
        )
        if room.auto_reveal and await _every_voter_voted(issue):
            await _reveal(issue, room)
    await publish_room_event(runtime.bus, issue.room_id, RoomEventKind.VOTING_UPDATED, issue.id)
    return issue


async def reveal_votes(runtime: Runtime, user: User, issue_id: str | int) -> Issue:
    async with in_transaction():
        issue = await _locked_issue(user, issue_id, FACILITATORS, "reveal the votes")
        _require_status(issue, (IssueStatus.VOTING,), "Votes can be revealed only while voting.")
        await _reveal(issue, await Room.get(id=issue.room_id))
    await publish_room_event(runtime.bus, issue.room_id, RoomEventKind.VOTING_UPDATED, issue.id)
    return issue


async def complete_issue_voting(
    runtime: Runtime, user: User, issue_id: str | int, final_estimate: str
) -> Issue:
    async with in_transaction():
        issue = await _locked_issue(user, issue_id, FACILITATORS, "record the estimate")
        _require_status(
            issue, (IssueStatus.REVEALED,), "Reveal the votes before completing the voting."
        )
        card = _card_of_deck(await Room.get(id=issue.room_id), final_estimate, "finalEstimate")
        issue.status, issue.final_estimate = IssueStatus.ESTIMATED, card
        await issue.save(update_fields=["status", "final_estimate", "updated_at"])
        votes = await Vote.filter(issue_id=issue.id).order_by("id")
    await publish_room_event(runtime.bus, issue.room_id, RoomEventKind.VOTING_UPDATED, issue.id)
    await run_hooks(runtime.hooks.issue_estimated, runtime, issue, card, votes)
    return issue


async def reveal_when_due(runtime: Runtime, issue_id: int, voting_round: int) -> bool:
    """The timer: reveal round `voting_round` of the issue if it is still open and its time is
    up. Safe to call any number of times, from any process: it reveals at most once."""
    async with in_transaction():
        issue = await Issue.filter(id=issue_id).select_for_update().first()
        due = issue is not None and issue.voting_ends_at is not None
        if not due or issue.status != IssueStatus.VOTING or issue.voting_round != voting_round:
            return False
        if issue.voting_ends_at > datetime.now(UTC):  # type: ignore[operator]
            return False
        await _reveal(issue, await Room.get(id=issue.room_id))
    await publish_room_event(runtime.bus, issue.room_id, RoomEventKind.VOTING_UPDATED, issue.id)
    return True


async def overdue_rounds(limit: int = 500) -> list[tuple[int, int]]:
    """(issue id, round) of open rounds whose timer has passed: for the sweep."""
    rows = (
        await Issue.filter(status=IssueStatus.VOTING, voting_ends_at__lte=datetime.now(UTC))
        .order_by("voting_ends_at")
        .limit(limit)
        .values_list("id", "voting_round")
    )
    return [(int(issue_id), int(voting_round)) for issue_id, voting_round in rows]


async def _open_round(issue: Issue, seconds: int | None) -> None:
    if seconds is None:
        seconds = (
            await Room.filter(id=issue.room_id)
            .first()
            .values_list("default_voting_seconds", flat=True)
        )
    issue.status = IssueStatus.VOTING
    issue.voting_round += 1
    issue.stats, issue.revealed_at = None, None
    issue.voting_ends_at = datetime.now(UTC) + timedelta(seconds=seconds) if seconds else None
    await issue.save(
        update_fields=[
            "status",
            "final_estimate",
            "voting_round",
            "stats",
            "revealed_at",
            "voting_ends_at",
            "updated_at",
        ]
    )


async def _opened(runtime: Runtime, issue: Issue) -> None:
    await publish_room_event(runtime.bus, issue.room_id, RoomEventKind.VOTING_UPDATED, issue.id)
    if issue.voting_ends_at is not None and runtime.scheduler is not None:
        after = (issue.voting_ends_at - datetime.now(UTC)).total_seconds()
        await runtime.scheduler.reveal_round(issue.id, issue.voting_round, max(after, 0.0))


async def _reveal(issue: Issue, room: Room) -> None:
    votes = await Vote.filter(issue_id=issue.id).order_by("id").values_list("value", flat=True)
    issue.status = IssueStatus.REVEALED
    issue.stats = vote_stats(list(votes), cards_of(room.deck)).to_json()
    issue.revealed_at, issue.voting_ends_at = datetime.now(UTC), None
    await issue.save(
        update_fields=["status", "stats", "revealed_at", "voting_ends_at", "updated_at"]
    )


async def _keep_round(issue: Issue) -> None:
    votes = await Vote.filter(issue_id=issue.id).order_by("id").values("user_id", "value")
    await VotingRound.create(
        issue_id=issue.id,
        round=issue.voting_round,
        votes=[{"user_id": vote["user_id"], "value": vote["value"]} for vote in votes],
        stats=issue.stats or vote_stats([], []).to_json(),
        revealed_at=issue.revealed_at or datetime.now(UTC),
    )
    kept = VotingRound.filter(issue_id=issue.id).order_by("-round").offset(MAX_KEPT_ROUNDS)
    stale = await kept.values_list("id", flat=True)
    if stale:
        await VotingRound.filter(id__in=stale).delete()


async def _every_voter_voted(issue: Issue) -> bool:
    voters = set(await voter_ids(issue.room_id))
    voted = set(await Vote.filter(issue_id=issue.id).values_list("user_id", flat=True))
    return bool(voters) and voters <= voted


async def _locked_issue(
    user: User, issue_id: str | int, allowed: Collection[RoomRole], doing: str
) -> Issue:
    """The issue, row-locked for this transaction, once the user's role allows `doing`."""
    issue = await require_issue_member(user.id, issue_id, for_update=True)
    await require_role(user.id, issue.room_id, allowed, doing)
    return issue


def _require_status(issue: Issue, allowed: Collection[IssueStatus], message: str) -> None:
    if issue.status not in allowed:
        raise ServiceError(
            ErrorCode.INVALID_STATE, f"{message} (status is {issue.status.value})", "issueId"
        )


def _card_of_deck(room: Room, value: str, field: str) -> str:
    card = value.strip()
    if card not in [deck_card.label for deck_card in cards_of(room.deck)]:
        raise invalid("Pick a card of the room's deck.", field)
    return card

"""services/rooms/voting.py on PostgreSQL: transitions, concurrency, the estimated hook."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from core.bus import MemoryBus
from core.errors import ErrorCode, ServiceError
from core.settings import Settings
from models.rooms import Issue, IssueStatus, Vote
from models.users import User
from services.rooms import rooms, voting
from services.runtime import Runtime

RUNTIME = Runtime(settings=Settings(agilekit_env="development"))  # no bus, no hooks


async def setup_issue(members: int = 2) -> tuple[list[User], Issue]:
    users = [
        await User.create(subject=f"vote|{uuid.uuid4()}", email=f"m{n}@example.com")
        for n in range(members)
    ]
    room = await rooms.create_room(users[0], "Voting", ["1", "2", "3", "?"])
    for user in users[1:]:
        await rooms.join_room(user, str(room.id))
    issue = await rooms.add_issue(users[0], str(room.id), "Story", None, None)
    return users, issue


async def test_invalid_transitions_change_nothing(database_url: str) -> None:
    (alice, _), issue = await setup_issue()
    for action, args in (
        (voting.cast_vote, ("1",)),
        (voting.reveal_votes, ()),
        (voting.complete_issue_voting, ("1",)),
    ):
        with pytest.raises(ServiceError) as caught:
            await action(RUNTIME, alice, issue.id, *args)
        assert caught.value.code == ErrorCode.INVALID_STATE
    await voting.start_voting(RUNTIME, alice, issue.id)
    with pytest.raises(ServiceError):
        await voting.cast_vote(RUNTIME, alice, issue.id, "5")
    assert not await Vote.exists(issue_id=issue.id)
    stored = await Issue.get(id=issue.id)
    assert stored.status == IssueStatus.VOTING and stored.voting_round == 1


async def test_concurrent_calls_stay_consistent(database_url: str) -> None:
    (alice, bob), issue = await setup_issue()
    results = await asyncio.gather(
        *(voting.start_voting(RUNTIME, alice, issue.id) for _ in range(5)), return_exceptions=True
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, ServiceError) for r in results if isinstance(r, Exception))

    await asyncio.gather(
        *(
            voting.cast_vote(RUNTIME, user, issue.id, card)
            for user in (alice, bob)
            for card in "123"
        )
    )
    assert await Vote.filter(issue_id=issue.id).count() == 2  # one vote per user


async def test_new_round_clears_votes_and_estimate(database_url: str) -> None:
    (alice, bob), issue = await setup_issue()
    await voting.start_voting(RUNTIME, alice, issue.id)
    await voting.cast_vote(RUNTIME, bob, issue.id, "2")
    await voting.reveal_votes(RUNTIME, alice, issue.id)
    await voting.complete_issue_voting(RUNTIME, alice, issue.id, "2")
    again = await voting.start_voting(RUNTIME, alice, issue.id)
    assert again.status == IssueStatus.VOTING and again.final_estimate is None
    assert again.voting_round == 2
    assert not await Vote.exists(issue_id=issue.id)


async def test_estimated_hook_runs_after_commit_and_failures_are_contained(
    database_url: str,
) -> None:
    (alice, bob), issue = await setup_issue()
    seen: list[tuple[int, str, list[str], IssueStatus]] = []

    async def record(_: Runtime, estimated: Issue, estimate: str, votes: list[Vote]) -> None:
        stored = await Issue.get(id=estimated.id)  # committed: visible on another connection
        seen.append((estimated.id, estimate, sorted(v.value for v in votes), stored.status))

    async def broken(_: Runtime, estimated: Issue, estimate: str, votes: list[Vote]) -> None:
        raise RuntimeError("jira is down")

    bus = MemoryBus()
    runtime = Runtime(settings=Settings(agilekit_env="development"), bus=bus)
    runtime.hooks.issue_estimated += [broken, record]
    subscription = bus.subscribe(str(issue.room_id))
    await voting.start_voting(runtime, alice, issue.id)
    await voting.cast_vote(runtime, alice, issue.id, "3")
    await voting.cast_vote(runtime, bob, issue.id, "?")
    await voting.reveal_votes(runtime, alice, issue.id)
    done = await voting.complete_issue_voting(runtime, alice, issue.id, " 3 ")
    assert done.final_estimate == "3"
    assert seen == [(issue.id, "3", ["3", "?"], IssueStatus.ESTIMATED)]
    # Five VOTING_UPDATED were published; the first, still queued, stands for the rest (a
    # subscriber reads the issue when it delivers it: core/bus/fanout.py).
    assert (await anext(subscription)).event["kind"] == "VOTING_UPDATED"
    assert subscription.queued(10) == []

"""services/rooms/members.py on PostgreSQL: roles, removal and leaving, and what they do to the
votes of open rounds."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from core.bus import MemoryBus
from core.errors import ErrorCode, ServiceError
from core.settings import Settings
from models.rooms import IssueStatus, RoomRole
from services.rooms import members, rooms, voting
from services.rooms.access import RoleDenied, RoomAccessDenied
from services.runtime import Runtime
from tests.services.rooms.session_support import (
    RUNTIME,
    Cast,
    role_of,
    room_with_roles,
    snapshot,
    votes_of,
)


async def open_round_with_votes(cast: Cast) -> tuple[int, int]:
    """A REVEALED issue and an open one, both voted by owner ("3") and voter ("8")."""
    shown = await rooms.add_issue(cast.owner, cast.room_id, "shown", None, None)
    open_ = await rooms.add_issue(cast.owner, cast.room_id, "open", None, None)
    for issue in (shown, open_):
        await voting.start_voting(RUNTIME, cast.owner, issue.id)
        await voting.cast_vote(RUNTIME, cast.owner, issue.id, "3")
        await voting.cast_vote(RUNTIME, cast.voter, issue.id, "8")
    await voting.reveal_votes(RUNTIME, cast.owner, shown.id)
    return shown.id, open_.id


async def test_the_owner_cannot_be_demoted(database_url: str) -> None:
    cast = await room_with_roles()
    before = await snapshot(cast.room.id)
    for by in (cast.owner, cast.facilitator):
        for role in (RoomRole.VOTER, RoomRole.SPECTATOR):
            with pytest.raises(ServiceError) as refused:
                await members.set_member_role(RUNTIME, by, cast.room_id, str(cast.owner.id), role)
            assert (refused.value.code, refused.value.field) == (ErrorCode.VALIDATION, "userId")
    assert await snapshot(cast.room.id) == before
    # Re-stating the owner's role is no change at all.
    same = await members.set_member_role(
        RUNTIME, cast.facilitator, cast.room_id, str(cast.owner.id), RoomRole.FACILITATOR
    )
    assert same.role == RoomRole.FACILITATOR
    assert await snapshot(cast.room.id) == before


async def test_set_member_role_refusals(database_url: str) -> None:
    cast = await room_with_roles()
    before = await snapshot(cast.room.id)
    with pytest.raises(ServiceError) as unknown:
        await members.set_member_role(
            RUNTIME, cast.owner, cast.room_id, "999999999", RoomRole.VOTER
        )
    assert (unknown.value.code, unknown.value.field) == (ErrorCode.NOT_FOUND, "userId")
    with pytest.raises(ServiceError) as no_room:
        await members.set_member_role(
            RUNTIME, cast.owner, str(uuid.uuid4()), str(cast.voter.id), RoomRole.SPECTATOR
        )
    assert (no_room.value.code, no_room.value.field) == (ErrorCode.NOT_FOUND, "roomId")
    with pytest.raises(RoleDenied):
        await members.set_member_role(
            RUNTIME, cast.voter, cast.room_id, str(cast.spectator.id), RoomRole.VOTER
        )
    assert await snapshot(cast.room.id) == before


async def test_a_voter_demoted_to_spectator_loses_the_open_rounds_vote(database_url: str) -> None:
    cast = await room_with_roles()
    shown, open_ = await open_round_with_votes(cast)
    bus = MemoryBus()
    runtime = Runtime(settings=Settings(agilekit_env="development"), bus=bus)
    subscription = bus.subscribe(cast.room_id)

    member = await members.set_member_role(
        runtime, cast.owner, cast.room_id, str(cast.voter.id), RoomRole.SPECTATOR
    )
    assert member.role == RoomRole.SPECTATOR
    assert await role_of(cast.room.id, cast.voter) == RoomRole.SPECTATOR
    assert await votes_of(open_) == {cast.owner.id: "3"}
    assert await votes_of(shown) == {cast.owner.id: "3", cast.voter.id: "8"}  # revealed: kept
    event = (await anext(subscription)).event
    assert (event["kind"], event["userId"], event["removed"]) == (
        "MEMBER_UPDATED",
        str(cast.voter.id),
        False,
    )

    # Now a spectator: cannot vote, and the reveal counts only the owner.
    with pytest.raises(RoleDenied):
        await voting.cast_vote(RUNTIME, cast.voter, open_, "8")
    revealed = await voting.reveal_votes(RUNTIME, cast.owner, open_)
    assert revealed.stats is not None
    assert (revealed.stats["voters"], revealed.stats["mean"]) == (1, 3.0)

    # Promoted back, the member votes again (and, as a facilitator, runs rounds).
    await members.set_member_role(
        RUNTIME, cast.owner, cast.room_id, str(cast.voter.id), RoomRole.FACILITATOR
    )
    again = await voting.revote_issue(RUNTIME, cast.voter, open_)
    assert again.status == IssueStatus.VOTING


async def test_remove_member(database_url: str) -> None:
    cast = await room_with_roles()
    shown, open_ = await open_round_with_votes(cast)
    before = await snapshot(cast.room.id)
    for by, target in (
        (cast.owner, cast.owner),  # yourself
        (cast.facilitator, cast.facilitator),
        (cast.facilitator, cast.owner),  # the owner
    ):
        with pytest.raises(ServiceError) as refused:
            await members.remove_member(RUNTIME, by, cast.room_id, str(target.id))
        assert (refused.value.code, refused.value.field) == (ErrorCode.VALIDATION, "userId")
    with pytest.raises(RoleDenied):
        await members.remove_member(RUNTIME, cast.voter, cast.room_id, str(cast.spectator.id))
    with pytest.raises(ServiceError) as unknown:
        await members.remove_member(RUNTIME, cast.owner, cast.room_id, "not-a-user")
    assert (unknown.value.code, unknown.value.field) == (ErrorCode.NOT_FOUND, "userId")
    assert await snapshot(cast.room.id) == before

    bus = MemoryBus()
    runtime = Runtime(settings=Settings(agilekit_env="development"), bus=bus)
    subscription = bus.subscribe(cast.room_id)
    removed = await members.remove_member(
        runtime, cast.facilitator, cast.room_id, str(cast.voter.id)
    )
    assert removed.role == RoomRole.VOTER
    assert await role_of(cast.room.id, cast.voter) is None
    with pytest.raises(RoomAccessDenied):
        await rooms.room_for_member(cast.voter.id, cast.room_id)
    with pytest.raises(RoomAccessDenied):
        await rooms.issue_for_member(cast.voter.id, open_)
    assert await votes_of(open_) == {cast.owner.id: "3"}
    assert await votes_of(shown) == {cast.owner.id: "3", cast.voter.id: "8"}
    event = (await anext(subscription)).event
    assert (event["kind"], event["userId"], event["removed"], event["role"]) == (
        "MEMBER_UPDATED",
        str(cast.voter.id),
        True,
        "VOTER",
    )
    # Gone: removing again finds no such member.
    with pytest.raises(ServiceError) as gone:
        await members.remove_member(runtime, cast.owner, cast.room_id, str(cast.voter.id))
    assert gone.value.code == ErrorCode.NOT_FOUND
    # Rejoining makes a fresh voter, without the old vote.
    await rooms.join_room(cast.voter, cast.room_id)
    assert await role_of(cast.room.id, cast.voter) == RoomRole.VOTER
    assert cast.voter.id not in await votes_of(open_)


async def test_leave_room(database_url: str) -> None:
    cast = await room_with_roles()
    _, open_ = await open_round_with_votes(cast)
    before = await snapshot(cast.room.id)
    with pytest.raises(ServiceError) as owner_stays:
        await members.leave_room(RUNTIME, cast.owner, cast.room_id)
    assert owner_stays.value.code == ErrorCode.VALIDATION
    assert await snapshot(cast.room.id) == before

    for user in (cast.voter, cast.facilitator, cast.spectator):
        left = await members.leave_room(RUNTIME, user, cast.room_id)
        assert left.user_id == user.id  # type: ignore[attr-defined]
        assert await role_of(cast.room.id, user) is None
        with pytest.raises(RoomAccessDenied):
            await rooms.room_for_member(user.id, cast.room_id)
    assert await votes_of(open_) == {cast.owner.id: "3"}
    assert await role_of(cast.room.id, cast.owner) == RoomRole.FACILITATOR
    with pytest.raises(RoomAccessDenied):  # left already
        await members.leave_room(RUNTIME, cast.voter, cast.room_id)
    with pytest.raises(ServiceError) as no_room:
        await members.leave_room(RUNTIME, cast.voter, str(uuid.uuid4()))
    assert no_room.value.code == ErrorCode.NOT_FOUND


def raw_dsn(database_url: str) -> str:
    return database_url.replace("postgres://", "postgresql://")


async def wait_for_lock_wait(database_url: str, within: float = 10) -> None:
    """Until some session of this database waits on a lock to write room_votes (polled from a
    connection of its own: inside a transaction pg_stat_activity is a frozen snapshot)."""
    watcher = await asyncpg.connect(raw_dsn(database_url))
    try:
        deadline = asyncio.get_running_loop().time() + within
        while asyncio.get_running_loop().time() < deadline:
            waiting = await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO \"room\\_votes\"%'"
            )
            if waiting:
                return
            await asyncio.sleep(0.02)
    finally:
        await watcher.close()
    raise AssertionError("cast_vote never reached its INSERT")


@pytest.mark.parametrize("change", ["demote", "remove"])
async def test_a_vote_racing_the_loss_of_the_voters_role_does_not_survive(
    database_url: str, change: str
) -> None:
    """cast_vote checks the role, then writes the vote; a demotion or removal committed in
    between must still take the vote with it (no spectator's or ex-member's vote in an open
    round, counted by the reveal).

    The gap is held open deterministically: another session locks the voter's `users` row
    FOR UPDATE, so cast_vote's INSERT (its foreign-key check takes FOR KEY SHARE on that row)
    waits, after the role check, until that session rolls back. The demotion and the removal
    need no lock on that row."""
    cast = await room_with_roles()
    open_ = (await rooms.add_issue(cast.owner, cast.room_id, "open", None, None)).id
    await voting.start_voting(RUNTIME, cast.owner, open_)
    await voting.cast_vote(RUNTIME, cast.owner, open_, "3")
    other = await asyncpg.connect(raw_dsn(database_url))
    vote: asyncio.Task[object] | None = None
    try:
        holder = other.transaction()
        await holder.start()
        await other.execute("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", cast.voter.id)
        vote = asyncio.create_task(voting.cast_vote(RUNTIME, cast.voter, open_, "5"))
        await wait_for_lock_wait(database_url)  # past its role check, waiting to write
        target = str(cast.voter.id)
        loss = asyncio.create_task(
            members.set_member_role(RUNTIME, cast.owner, cast.room_id, target, RoomRole.SPECTATOR)
            if change == "demote"
            else members.remove_member(RUNTIME, cast.owner, cast.room_id, target)
        )
        await asyncio.wait([loss], timeout=1)  # done at once, or waiting for the vote: both fine
        await holder.rollback()
        await asyncio.wait_for(asyncio.gather(vote, loss), 10)
    finally:
        await other.close()
        if vote is not None and not vote.done():
            vote.cancel()
    expected_role = RoomRole.SPECTATOR if change == "demote" else None
    assert await role_of(cast.room.id, cast.voter) == expected_role
    assert await votes_of(open_) == {cast.owner.id: "3"}
    stats = (await voting.reveal_votes(RUNTIME, cast.owner, open_)).stats
    assert stats is not None and stats["voters"] == 1

"""Who may do what in a room (services/rooms/access.py), through the real services on
PostgreSQL: every role's allowed actions work, every refused one is RoleDenied and changes
no row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from models.rooms import Issue, IssueStatus, Room, RoomMember, RoomRole, VotingRound
from models.users import User
from services.rooms import members, rooms, voting
from services.rooms.access import RoleDenied, RoomAccessDenied
from tests.services.rooms.session_support import (
    RUNTIME,
    Cast,
    new_user,
    role_of,
    room_with_roles,
    snapshot,
    votes_of,
)

Action = Callable[[], Awaitable[object]]


async def test_owner_is_facilitator_and_joining_keeps_the_role(database_url: str) -> None:
    cast = await room_with_roles()
    assert await role_of(cast.room.id, cast.owner) == RoomRole.FACILITATOR
    assert await role_of(cast.room.id, cast.facilitator) == RoomRole.FACILITATOR
    assert await role_of(cast.room.id, cast.voter) == RoomRole.VOTER
    assert await role_of(cast.room.id, cast.spectator) == RoomRole.SPECTATOR

    # Joining again, either way, keeps each role (and adds no membership).
    for user in (cast.owner, cast.facilitator, cast.voter, cast.spectator):
        await rooms.join_room(user, cast.room_id, as_spectator=True)
        await rooms.join_room(user, cast.room_id)
    assert await role_of(cast.room.id, cast.owner) == RoomRole.FACILITATOR
    assert await role_of(cast.room.id, cast.facilitator) == RoomRole.FACILITATOR
    assert await role_of(cast.room.id, cast.voter) == RoomRole.VOTER
    assert await role_of(cast.room.id, cast.spectator) == RoomRole.SPECTATOR
    assert await RoomMember.filter(room_id=cast.room.id).count() == 4


async def test_a_facilitator_who_is_not_the_owner_may_do_everything(database_url: str) -> None:
    cast = await room_with_roles(["1", "2", "3", "5", "?"])
    boss = cast.facilitator  # not the owner: the role, not ownership, allows it
    first, second, third = [
        await rooms.add_issue(boss, cast.room_id, title, None, None) for title in "ABC"
    ]

    await voting.start_voting(RUNTIME, boss, first.id)
    await voting.cast_vote(RUNTIME, boss, first.id, "3")
    await voting.cast_vote(RUNTIME, cast.voter, first.id, "5")
    revealed = await voting.reveal_votes(RUNTIME, boss, first.id)
    assert revealed.status == IssueStatus.REVEALED and revealed.stats is not None
    again = await voting.revote_issue(RUNTIME, boss, first.id)
    assert (again.status, again.voting_round) == (IssueStatus.VOTING, 2)
    assert await VotingRound.filter(issue_id=first.id).count() == 1
    await voting.cast_vote(RUNTIME, cast.voter, first.id, "3")
    await voting.reveal_votes(RUNTIME, boss, first.id)
    done = await voting.complete_issue_voting(RUNTIME, boss, first.id, "3")
    assert (done.status, done.final_estimate) == (IssueStatus.ESTIMATED, "3")

    moved = await rooms.move_issue(RUNTIME, boss, str(third.id), 1)
    assert moved.position == 1
    await rooms.remove_issue(boss, second.id, None)
    assert not await Issue.exists(id=second.id)
    order = (
        await Issue.filter(room_id=cast.room.id).order_by("position").values_list("id", flat=True)
    )
    assert order == [third.id, first.id]

    updated = await rooms.update_room(
        RUNTIME, boss, cast.room_id, rooms.RoomSettings(name="Renamed", auto_reveal=True)
    )
    assert (updated.name, updated.auto_reveal) == ("Renamed", True)
    await members.set_member_role(
        RUNTIME, boss, cast.room_id, str(cast.voter.id), RoomRole.SPECTATOR
    )
    assert await role_of(cast.room.id, cast.voter) == RoomRole.SPECTATOR
    await members.remove_member(RUNTIME, boss, cast.room_id, str(cast.spectator.id))
    assert await role_of(cast.room.id, cast.spectator) is None


async def issues_in_every_state(cast: Cast) -> tuple[Issue, Issue, Issue]:
    """A PENDING, a VOTING (the owner voted) and a REVEALED issue: each state an action needs,
    so that a refusal can only come from the role."""
    owner = cast.owner
    pending = await rooms.add_issue(owner, cast.room_id, "pending", None, None)
    open_ = await rooms.add_issue(owner, cast.room_id, "voting", None, None)
    shown = await rooms.add_issue(owner, cast.room_id, "revealed", None, None)
    await voting.start_voting(RUNTIME, owner, open_.id)
    await voting.cast_vote(RUNTIME, owner, open_.id, "3")
    await voting.start_voting(RUNTIME, owner, shown.id)
    await voting.cast_vote(RUNTIME, owner, shown.id, "5")
    await voting.reveal_votes(RUNTIME, owner, shown.id)
    return pending, open_, shown


def facilitator_actions(cast: Cast, user: User, issues: tuple[Issue, Issue, Issue]) -> dict:
    pending, open_, shown = issues
    room_id = cast.room_id
    return {
        "start_voting": lambda: voting.start_voting(RUNTIME, user, pending.id),
        "reveal_votes": lambda: voting.reveal_votes(RUNTIME, user, open_.id),
        "revote_issue": lambda: voting.revote_issue(RUNTIME, user, shown.id),
        "complete_issue_voting": lambda: voting.complete_issue_voting(RUNTIME, user, shown.id, "5"),
        "move_issue": lambda: rooms.move_issue(RUNTIME, user, str(shown.id), 1),
        "remove_issue": lambda: rooms.remove_issue(user, pending.id, None),
        "update_room": lambda: rooms.update_room(
            RUNTIME, user, room_id, rooms.RoomSettings(name="Taken over", auto_reveal=True)
        ),
        "update_room_cards": lambda: rooms.update_room(
            RUNTIME, user, room_id, rooms.RoomSettings(cards=[("a", 1.0), ("b", 2.0)])
        ),
        "set_member_role": lambda: members.set_member_role(
            RUNTIME, user, room_id, str(cast.facilitator.id), RoomRole.SPECTATOR
        ),
        "promote_self": lambda: members.set_member_role(
            RUNTIME, user, room_id, str(user.id), RoomRole.FACILITATOR
        ),
        "remove_member": lambda: members.remove_member(
            RUNTIME, user, room_id, str(cast.facilitator.id)
        ),
    }


async def assert_all_refused(cast: Cast, actions: dict[str, Action]) -> None:
    before = await snapshot(cast.room.id)
    for name, action in actions.items():
        with pytest.raises(RoleDenied):
            await action()
        assert await snapshot(cast.room.id) == before, name


async def test_a_voter_may_vote_and_add_issues_only(database_url: str) -> None:
    cast = await room_with_roles()
    issues = await issues_in_every_state(cast)
    await assert_all_refused(cast, facilitator_actions(cast, cast.voter, issues))

    _, open_, _ = issues
    await voting.cast_vote(RUNTIME, cast.voter, open_.id, "8")
    assert await votes_of(open_.id) == {cast.owner.id: "3", cast.voter.id: "8"}
    added = await rooms.add_issue(cast.voter, cast.room_id, "from a voter", None, None)
    assert added.position == 4


async def test_a_spectator_may_do_nothing(database_url: str) -> None:
    cast = await room_with_roles()
    issues = await issues_in_every_state(cast)
    _, open_, _ = issues
    actions = facilitator_actions(cast, cast.spectator, issues)
    actions["cast_vote"] = lambda: voting.cast_vote(RUNTIME, cast.spectator, open_.id, "8")
    actions["add_issue"] = lambda: rooms.add_issue(cast.spectator, cast.room_id, "x", None, None)
    await assert_all_refused(cast, actions)
    # ... but reads the room.
    assert (await rooms.room_for_member(cast.spectator.id, cast.room_id)).id == cast.room.id


async def test_a_non_member_is_refused_as_a_stranger(database_url: str) -> None:
    cast = await room_with_roles()
    issues = await issues_in_every_state(cast)
    stranger = await new_user("stranger")
    before = await snapshot(cast.room.id)
    for name, action in facilitator_actions(cast, stranger, issues).items():
        with pytest.raises(RoomAccessDenied) as refused:
            await action()
        assert not isinstance(refused.value, RoleDenied), name
    assert await snapshot(cast.room.id) == before
    assert await Room.filter(id=cast.room.id, name="Sessions").exists()

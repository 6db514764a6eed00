"""Estimation sessions through the real services on PostgreSQL: statistics on reveal, re-votes
and kept rounds, the round timer (job, sweep, at-most-once), autoReveal, decks with values,
issue order and the CSV report."""

from __future__ import annotations

import asyncio
import csv
import io
import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from arq.worker import func

from core.errors import ErrorCode, ServiceError
from core.jobs import InProcessJobQueue
from core.settings import Settings
from jobs.rooms import voting as voting_jobs
from jobs.schedule import JobSchedule
from models.rooms import Issue, IssueStatus, Room, RoomRole, VotingRound
from services.rooms import members, rooms, voting
from services.rooms.access import RoleDenied
from services.rooms.cards import Card, cards_of
from services.rooms.report import HEADER, room_report_csv
from services.runtime import Runtime
from tests.services.rooms.session_support import (
    RUNTIME,
    Cast,
    clear_of_sweep,
    make_overdue,
    new_user,
    room_with_roles,
    snapshot,
)

TSHIRT = [("XS", 1.0), ("S", 2.0), ("M", 3.0), ("L", 5.0), ("XL", 8.0), ("?", None)]


async def voted(cast: Cast, votes: dict[str, str], title: str = "Story") -> Issue:
    """An issue with an open round and these votes (by member attribute name)."""
    issue = await rooms.add_issue(cast.owner, cast.room_id, title, None, None)
    await voting.start_voting(RUNTIME, cast.owner, issue.id)
    for who, card in votes.items():
        await voting.cast_vote(RUNTIME, getattr(cast, who), issue.id, card)
    return issue


def near(moment: datetime | None, seconds: float) -> bool:
    assert moment is not None
    return abs((moment - datetime.now(UTC)).total_seconds() - seconds) < 3


# --- statistics -------------------------------------------------------------------------


async def test_reveal_sets_the_statistics(database_url: str) -> None:
    cast = await room_with_roles()
    issue = await voted(cast, {"owner": "3", "voter": "8"})
    revealed = await voting.reveal_votes(RUNTIME, cast.owner, issue.id)
    expected = {
        "voters": 2,
        "numeric": 2,
        "mean": 5.5,
        "median": 5.5,
        "min": "3",
        "max": "8",
        "mode": ["3", "8"],
        "agreement": 0.5,
        "consensus": False,
        "suggestion": "5",
    }
    assert revealed.stats == expected
    stored = await Issue.get(id=issue.id)
    assert stored.status == IssueStatus.REVEALED and stored.stats == expected
    assert stored.revealed_at is not None

    same = await voted(cast, {"owner": "5", "facilitator": "5", "voter": "5"}, "Same")
    stats = (await voting.reveal_votes(RUNTIME, cast.owner, same.id)).stats
    assert stats is not None
    assert (stats["consensus"], stats["agreement"], stats["voters"]) == (True, 1.0, 3)
    assert (stats["mean"], stats["median"], stats["suggestion"]) == (5.0, 5.0, "5")


async def test_spectators_are_never_counted(database_url: str) -> None:
    cast = await room_with_roles()
    issue = await voted(cast, {"owner": "3", "voter": "8", "facilitator": "21"})
    with pytest.raises(RoleDenied):
        await voting.cast_vote(RUNTIME, cast.spectator, issue.id, "1")
    # The facilitator becomes a spectator: their "21" leaves the round and the statistics.
    await members.set_member_role(
        RUNTIME, cast.owner, cast.room_id, str(cast.facilitator.id), RoomRole.SPECTATOR
    )
    stats = (await voting.reveal_votes(RUNTIME, cast.owner, issue.id)).stats
    assert stats is not None
    assert (stats["voters"], stats["mean"], stats["max"]) == (2, 5.5, "8")


# --- re-votes ---------------------------------------------------------------------------


async def test_revote_keeps_the_round_with_its_votes_and_stats(database_url: str) -> None:
    cast = await room_with_roles()
    issue = await voted(cast, {"owner": "3", "voter": "8"})
    first = await voting.reveal_votes(RUNTIME, cast.owner, issue.id)
    assert first.voting_round == 1
    first_stats, first_revealed_at = first.stats, first.revealed_at

    again = await voting.revote_issue(RUNTIME, cast.owner, issue.id)
    assert (again.status, again.voting_round, again.stats) == (IssueStatus.VOTING, 2, None)
    stored = await Issue.get(id=issue.id)
    assert (stored.status, stored.voting_round, stored.stats) == (IssueStatus.VOTING, 2, None)
    kept = await VotingRound.filter(issue_id=issue.id)
    assert len(kept) == 1
    assert kept[0].round == 1
    assert kept[0].votes == [
        {"user_id": cast.owner.id, "value": "3"},
        {"user_id": cast.voter.id, "value": "8"},
    ]
    assert kept[0].stats == first_stats
    assert kept[0].revealed_at == first_revealed_at

    # The new round starts empty; its reveal has its own statistics.
    with pytest.raises(ServiceError) as twice:
        await voting.revote_issue(RUNTIME, cast.owner, issue.id)
    assert twice.value.code == ErrorCode.INVALID_STATE
    await voting.cast_vote(RUNTIME, cast.owner, issue.id, "5")
    await voting.cast_vote(RUNTIME, cast.voter, issue.id, "5")
    second = await voting.reveal_votes(RUNTIME, cast.owner, issue.id)
    assert second.stats is not None and second.stats["voters"] == 2
    assert second.stats["consensus"] is True
    await voting.revote_issue(RUNTIME, cast.owner, issue.id)
    rounds = await VotingRound.filter(issue_id=issue.id).order_by("round")
    assert [r.round for r in rounds] == [1, 2]
    assert rounds[0].stats == first_stats and rounds[1].stats == second.stats


async def test_kept_rounds_are_capped(database_url: str) -> None:
    cast = await room_with_roles()
    issue = await voted(cast, {"owner": "1"})
    revotes = voting.MAX_KEPT_ROUNDS + 2
    for n in range(revotes):
        await voting.cast_vote(RUNTIME, cast.owner, issue.id, "2" if n % 2 else "3")
        await voting.reveal_votes(RUNTIME, cast.owner, issue.id)
        await voting.revote_issue(RUNTIME, cast.owner, issue.id)
    kept = await VotingRound.filter(issue_id=issue.id).order_by("round")
    assert [r.round for r in kept] == list(range(3, revotes + 1))
    assert len(kept) == voting.MAX_KEPT_ROUNDS
    assert (await Issue.get(id=issue.id)).voting_round == revotes + 1


# --- the timer --------------------------------------------------------------------------


async def test_timer_reveals_once_when_due(database_url: str) -> None:
    cast = await room_with_roles()
    issue = await rooms.add_issue(cast.owner, cast.room_id, "Timed", None, None)
    started = await voting.start_voting(RUNTIME, cast.owner, issue.id, seconds=10)
    assert near(started.voting_ends_at, 10)
    assert near((await Issue.get(id=issue.id)).voting_ends_at, 10)
    await voting.cast_vote(RUNTIME, cast.owner, issue.id, "3")
    await voting.cast_vote(RUNTIME, cast.voter, issue.id, "8")

    assert await voting.reveal_when_due(RUNTIME, issue.id, 1) is False  # not yet
    assert (await Issue.get(id=issue.id)).status == IssueStatus.VOTING
    assert (issue.id, 1) not in await voting.overdue_rounds()

    await clear_of_sweep()
    await make_overdue(issue.id)
    assert (issue.id, 1) in await voting.overdue_rounds()
    assert await voting.reveal_when_due(RUNTIME, issue.id, 2) is False  # no such round
    assert await voting.reveal_when_due(RUNTIME, issue.id, 1) is True
    revealed = await Issue.get(id=issue.id)
    assert revealed.status == IssueStatus.REVEALED and revealed.voting_ends_at is None
    assert revealed.stats is not None and revealed.stats["mean"] == 5.5
    assert (issue.id, 1) not in await voting.overdue_rounds()
    at = revealed.revealed_at
    for _ in range(3):
        assert await voting.reveal_when_due(RUNTIME, issue.id, 1) is False
    assert (await Issue.get(id=issue.id)).revealed_at == at
    assert await voting.reveal_when_due(RUNTIME, 999_999_999, 1) is False


async def test_concurrent_timers_reveal_exactly_once(database_url: str) -> None:
    cast = await room_with_roles()
    issue = await rooms.add_issue(cast.owner, cast.room_id, "Raced", None, None)
    for voting_round in (1, 2):  # the second round: the first round's number is stale
        if voting_round == 1:
            await voting.start_voting(RUNTIME, cast.owner, issue.id, seconds=10)
        else:
            await voting.revote_issue(RUNTIME, cast.owner, issue.id)  # a round without a timer
        await voting.cast_vote(RUNTIME, cast.voter, issue.id, "5")
        await clear_of_sweep()
        await make_overdue(issue.id)
        if voting_round == 2:
            assert await voting.reveal_when_due(RUNTIME, issue.id, 1) is False
            assert (await Issue.get(id=issue.id)).status == IssueStatus.VOTING
        results = await asyncio.gather(
            *(voting.reveal_when_due(RUNTIME, issue.id, voting_round) for _ in range(10))
        )
        assert sorted(results) == [False] * 9 + [True]
        stored = await Issue.get(id=issue.id)
        assert (stored.status, stored.voting_round) == (IssueStatus.REVEALED, voting_round)
        assert stored.stats is not None and stored.stats["voters"] == 1


async def test_seconds_out_of_range_change_nothing(database_url: str) -> None:
    cast = await room_with_roles()
    issue = await rooms.add_issue(cast.owner, cast.room_id, "Bounds", None, None)
    before = await snapshot(cast.room.id)
    for seconds in (9, 604_801, 0, -10):
        with pytest.raises(ServiceError) as refused:
            await voting.start_voting(RUNTIME, cast.owner, issue.id, seconds=seconds)
        assert (refused.value.code, refused.value.field) == (ErrorCode.VALIDATION, "seconds")
    assert await snapshot(cast.room.id) == before
    longest = await voting.start_voting(RUNTIME, cast.owner, issue.id, seconds=604_800)
    assert near(longest.voting_ends_at, 604_800)
    await voting.reveal_votes(RUNTIME, cast.owner, issue.id)  # no overdue round left behind


async def test_the_rooms_default_timer_applies_without_seconds(database_url: str) -> None:
    timed = await room_with_roles(default_voting_seconds=60)
    issue = await rooms.add_issue(timed.owner, timed.room_id, "Default", None, None)
    started = await voting.start_voting(RUNTIME, timed.owner, issue.id)
    assert near(started.voting_ends_at, 60)
    await voting.reveal_votes(RUNTIME, timed.owner, issue.id)
    explicit = await voting.start_voting(RUNTIME, timed.owner, issue.id, seconds=30)
    assert near(explicit.voting_ends_at, 30)
    await voting.reveal_votes(RUNTIME, timed.owner, issue.id)

    untimed = await room_with_roles()
    plain = await rooms.add_issue(untimed.owner, untimed.room_id, "No timer", None, None)
    assert (await voting.start_voting(RUNTIME, untimed.owner, plain.id)).voting_ends_at is None

    with pytest.raises(ServiceError) as bad:
        await rooms.create_configured_room(
            timed.owner, rooms.RoomSettings(name="Bad", default_voting_seconds=9)
        )
    assert (bad.value.code, bad.value.field) == (ErrorCode.VALIDATION, "defaultVotingSeconds")


class RecordingQueue(InProcessJobQueue):
    """The in-process queue, noting what was enqueued and how long it was deferred."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.enqueued: list[tuple[str, tuple[Any, ...], str | None, float | None]] = []

    async def enqueue(
        self, name: str, *args: Any, job_id: str | None = None, defer_by: float | None = None
    ) -> bool:
        self.enqueued.append((name, args, job_id, defer_by))
        return await super().enqueue(name, *args, job_id=job_id, defer_by=defer_by)


RAN: list[tuple[int, int]] = []


async def record_reveal(ctx: dict[str, Any], issue_id: int, voting_round: int) -> bool:
    RAN.append((issue_id, voting_round))
    return True


@pytest.fixture
async def scheduled(database_url: str) -> AsyncIterator[tuple[Runtime, RecordingQueue]]:
    runtime = Runtime(settings=Settings(agilekit_env="development"))
    runtime.scheduler = JobSchedule(runtime)
    queue = RecordingQueue(
        [func(record_reveal, name=voting_jobs.REVEAL_ROUND)], ctx={"runtime": runtime}
    )
    queue.start()
    runtime.jobs = queue
    RAN.clear()
    yield runtime, queue
    await queue.close()


async def test_a_timed_round_queues_its_reveal_deferred(
    scheduled: tuple[Runtime, RecordingQueue],
) -> None:
    runtime, queue = scheduled
    cast = await room_with_roles()
    issue = await rooms.add_issue(cast.owner, cast.room_id, "Queued", None, None)
    await voting.start_voting(runtime, cast.owner, issue.id, seconds=10)
    assert len(queue.enqueued) == 1
    name, args, job_id, defer_by = queue.enqueued[0]
    assert (name, args, job_id) == (voting_jobs.REVEAL_ROUND, (issue.id, 1), f"reveal:{issue.id}:1")
    assert defer_by is not None and 8 < defer_by <= 10
    await asyncio.sleep(0.2)
    assert RAN == []  # deferred: not run yet
    # The same round's job again is the same job id: not queued twice.
    assert await runtime.scheduler.reveal_round(issue.id, 1, 10) is False  # type: ignore[union-attr]

    # A round without a timer queues nothing; the next timed round has its own job.
    await voting.reveal_votes(runtime, cast.owner, issue.id)
    queued = len(queue.enqueued)
    await voting.revote_issue(runtime, cast.owner, issue.id)
    assert len(queue.enqueued) == queued
    await voting.reveal_votes(runtime, cast.owner, issue.id)
    await voting.start_voting(runtime, cast.owner, issue.id, seconds=20)
    assert queue.enqueued[-1][2] == f"reveal:{issue.id}:3"
    assert 18 < (queue.enqueued[-1][3] or 0) <= 20
    await voting.reveal_votes(runtime, cast.owner, issue.id)


async def test_the_real_reveal_job_through_the_queue(database_url: str) -> None:
    runtime = Runtime(settings=Settings(agilekit_env="development"))
    runtime.scheduler = JobSchedule(runtime)
    queue = InProcessJobQueue(
        [func(voting_jobs.reveal_round, name=voting_jobs.REVEAL_ROUND)], ctx={"runtime": runtime}
    )
    queue.start()
    runtime.jobs = queue
    try:
        cast = await room_with_roles()
        issue = await rooms.add_issue(cast.owner, cast.room_id, "Job", None, None)
        await voting.start_voting(RUNTIME, cast.owner, issue.id, seconds=10)  # queues nothing
        await voting.cast_vote(runtime, cast.voter, issue.id, "8")
        await clear_of_sweep()
        await make_overdue(issue.id)
        # What the scheduler queues when a round's time is up (here: due at once).
        assert await runtime.scheduler.reveal_round(issue.id, 1, 0.0)  # type: ignore[union-attr]
        await asyncio.wait_for(queue.join(), 10)
        stored = await Issue.get(id=issue.id)
        assert stored.status == IssueStatus.REVEALED
        assert stored.stats is not None and stored.stats["voters"] == 1
    finally:
        await queue.close()


async def test_the_sweep_reveals_overdue_rounds_once(database_url: str) -> None:
    runtime = Runtime(settings=Settings(agilekit_env="development"))
    ctx = {"runtime": runtime}
    cast = await room_with_roles()
    issue = await rooms.add_issue(cast.owner, cast.room_id, "Swept", None, None)
    await voting.start_voting(RUNTIME, cast.owner, issue.id, seconds=10)
    await voting.cast_vote(RUNTIME, cast.owner, issue.id, "13")
    await clear_of_sweep()
    await voting_jobs.reveal_overdue_rounds(ctx)  # whatever another test left overdue
    assert (await Issue.get(id=issue.id)).status == IssueStatus.VOTING  # not due yet
    await make_overdue(issue.id)
    assert await voting_jobs.reveal_overdue_rounds(ctx) == 1
    stored = await Issue.get(id=issue.id)
    assert stored.status == IssueStatus.REVEALED
    assert stored.stats is not None and stored.stats["max"] == "13"
    assert await voting_jobs.reveal_overdue_rounds(ctx) == 0
    assert (await Issue.get(id=issue.id)).revealed_at == stored.revealed_at


# --- autoReveal -------------------------------------------------------------------------


async def test_auto_reveal_on_the_vote_completing_the_voters(database_url: str) -> None:
    cast = await room_with_roles(auto_reveal=True)
    issue = await rooms.add_issue(cast.owner, cast.room_id, "Auto", None, None)
    await voting.start_voting(RUNTIME, cast.owner, issue.id, seconds=60)
    after_one = await voting.cast_vote(RUNTIME, cast.owner, issue.id, "3")
    assert after_one.status == IssueStatus.VOTING
    after_two = await voting.cast_vote(RUNTIME, cast.voter, issue.id, "8")
    assert after_two.status == IssueStatus.VOTING
    await voting.cast_vote(RUNTIME, cast.voter, issue.id, "5")  # changing a vote completes nothing
    assert (await Issue.get(id=issue.id)).status == IssueStatus.VOTING
    # The facilitator's vote completes the set (the spectator is not waited for).
    last = await voting.cast_vote(RUNTIME, cast.facilitator, issue.id, "5")
    assert last.status == IssueStatus.REVEALED
    stored = await Issue.get(id=issue.id)
    assert stored.status == IssueStatus.REVEALED and stored.voting_ends_at is None
    assert stored.stats is not None and stored.stats["voters"] == 3
    assert stored.stats["mode"] == ["5"]

    manual = await room_with_roles()  # without autoReveal every vote leaves it open
    other = await voted(manual, {"owner": "3", "facilitator": "3", "voter": "3"})
    assert (await Issue.get(id=other.id)).status == IssueStatus.VOTING


# --- decks with values ------------------------------------------------------------------


async def test_a_deck_with_values(database_url: str) -> None:
    cast = await room_with_roles(cards=TSHIRT)
    stored = await Room.get(id=cast.room.id)
    assert cards_of(stored.deck) == [Card(label, value) for label, value in TSHIRT]
    issue = await voted(cast, {"owner": "M", "voter": "XL", "facilitator": "?"})
    stats = (await voting.reveal_votes(RUNTIME, cast.owner, issue.id)).stats
    assert stats is not None
    assert (stats["voters"], stats["numeric"]) == (3, 2)
    assert (stats["mean"], stats["median"], stats["suggestion"]) == (5.5, 5.5, "L")
    assert (stats["min"], stats["max"]) == ("M", "XL")
    with pytest.raises(ServiceError) as not_a_card:
        await voting.complete_issue_voting(RUNTIME, cast.owner, issue.id, "5")
    assert not_a_card.value.field == "finalEstimate"
    done = await voting.complete_issue_voting(RUNTIME, cast.owner, issue.id, "L")
    assert done.final_estimate == "L"


@pytest.mark.parametrize(
    ("cards", "field_name"),
    [
        ([("1", 1.0), ("2", 2.0), ("1", 3.0)], "cards[2].label"),
        ([(f"c{n}", float(n)) for n in range(41)], "cards"),
        ([("1", 1.0)], "cards"),
        ([("x" * 17, 1.0), ("2", 2.0)], "cards[0].label"),
        ([("1", 1.0), ("2", math.nan)], "cards[1].value"),
        ([("1", math.inf), ("2", 2.0)], "cards[0].value"),
    ],
)
async def test_bad_decks_create_no_room(
    database_url: str, cards: list[tuple[str, float | None]], field_name: str
) -> None:
    owner = await new_user("deck")
    with pytest.raises(ServiceError) as refused:
        await rooms.create_configured_room(owner, rooms.RoomSettings(name="Bad", cards=cards))
    assert (refused.value.code, refused.value.field) == (ErrorCode.VALIDATION, field_name)
    assert not await Room.exists(owner_id=owner.id)


async def test_update_room(database_url: str) -> None:
    cast = await room_with_roles()
    issue = await voted(cast, {"owner": "3"})
    before = await snapshot(cast.room.id)
    change = rooms.RoomSettings(name="Renamed", cards=TSHIRT, auto_reveal=True)
    with pytest.raises(ServiceError) as open_round:
        await rooms.update_room(RUNTIME, cast.owner, cast.room_id, change)
    assert (open_round.value.code, open_round.value.field) == (
        ErrorCode.INVALID_STATE,
        "input.cards",
    )
    assert await snapshot(cast.room.id) == before
    with pytest.raises(RoleDenied):
        await rooms.update_room(RUNTIME, cast.voter, cast.room_id, rooms.RoomSettings(name="x"))
    assert await snapshot(cast.room.id) == before

    await voting.reveal_votes(RUNTIME, cast.owner, issue.id)
    updated = await rooms.update_room(
        RUNTIME,
        cast.facilitator,
        cast.room_id,
        rooms.RoomSettings(name="Renamed", cards=TSHIRT, default_voting_seconds=120),
    )
    assert (updated.name, updated.default_voting_seconds) == ("Renamed", 120)
    assert cards_of(updated.deck) == [Card(label, value) for label, value in TSHIRT]
    cleared = await rooms.update_room(
        RUNTIME, cast.owner, cast.room_id, rooms.RoomSettings(clear_default_voting_seconds=True)
    )
    assert cleared.default_voting_seconds is None and cleared.name == "Renamed"


# --- issue order ------------------------------------------------------------------------


async def titles_in_order(room_id: object) -> list[str]:
    rows = await Issue.filter(room_id=room_id).order_by("position").values_list("title", "position")
    assert [position for _, position in rows] == list(range(1, len(rows) + 1)), rows
    return [title for title, _ in rows]


async def test_move_issue(database_url: str) -> None:
    cast = await room_with_roles()
    issues = {t: await rooms.add_issue(cast.owner, cast.room_id, t, None, None) for t in "abcd"}

    async def move(title: str, position: int) -> int:
        moved = await rooms.move_issue(RUNTIME, cast.owner, str(issues[title].id), position)
        return moved.position

    assert await move("c", 1) == 1  # the third to the top
    assert await titles_in_order(cast.room.id) == ["c", "a", "b", "d"]
    assert await move("d", 2) == 2  # the last to the middle
    assert await titles_in_order(cast.room.id) == ["c", "d", "a", "b"]
    assert await move("c", 99) == 4  # beyond the end: clamped to the end
    assert await titles_in_order(cast.room.id) == ["d", "a", "b", "c"]
    assert await move("a", 2) == 2  # where it is: nothing moves
    assert await titles_in_order(cast.room.id) == ["d", "a", "b", "c"]

    before = await snapshot(cast.room.id)
    for position in (0, -1):
        with pytest.raises(ServiceError) as refused:
            await move("b", position)
        assert (refused.value.code, refused.value.field) == (ErrorCode.VALIDATION, "position")
    with pytest.raises(RoleDenied):
        await rooms.move_issue(RUNTIME, cast.voter, str(issues["b"].id), 1)
    assert await snapshot(cast.room.id) == before

    # After a removal, a move closes the gap: positions are 1..n again.
    await rooms.remove_issue(cast.owner, issues["a"].id, None)
    assert await move("b", 1) == 1
    assert await titles_in_order(cast.room.id) == ["b", "d", "c"]


# --- the report -------------------------------------------------------------------------


async def test_room_report_csv(database_url: str) -> None:
    cast = await room_with_roles(cards=TSHIRT)
    done = await voted(cast, {"owner": "M", "voter": "XL"}, "Login page")
    await voting.reveal_votes(RUNTIME, cast.owner, done.id)
    await voting.revote_issue(RUNTIME, cast.owner, done.id)
    await voting.cast_vote(RUNTIME, cast.owner, done.id, "M")
    await voting.cast_vote(RUNTIME, cast.voter, done.id, "XL")
    await voting.reveal_votes(RUNTIME, cast.owner, done.id)
    await voting.complete_issue_voting(RUNTIME, cast.owner, done.id, "L")
    shown = await voted(cast, {"owner": "S", "voter": "S", "facilitator": "M"}, "Shown")
    await voting.reveal_votes(RUNTIME, cast.owner, shown.id)
    formula = await rooms.add_issue(cast.owner, cast.room_id, "=HYPERLINK(1)", None, None)
    await rooms.move_issue(RUNTIME, cast.owner, str(formula.id), 1)

    text = await room_report_csv(cast.room.id)
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == HEADER
    assert rows[0] == (
        "title,jira_key,status,final_estimate,value,rounds,voters,mean,median,agreement,"
        "jira_url,push_status"
    ).split(",")
    assert rows[1:] == [
        ["'=HYPERLINK(1)", "", "PENDING", "", "", "0", "", "", "", "", "", ""],
        ["Login page", "", "ESTIMATED", "L", "5", "2", "2", "5.5", "5.5", "0.5", "", ""],
        ["Shown", "", "REVEALED", "", "", "1", "3", "2.3333", "2", "0.6667", "", ""],
    ]


async def test_an_empty_room_reports_its_header(database_url: str) -> None:
    cast = await room_with_roles()
    assert await room_report_csv(cast.room.id) == ",".join(HEADER) + "\r\n"

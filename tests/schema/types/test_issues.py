"""schema/types/issues.py: votes as a viewer may see them, across the issues of one read."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

from models.rooms import IssueStatus
from schema.types.issues import Issue, Vote

ALICE, BOB = 1, 2


def issue(status: IssueStatus) -> Issue:
    row = {
        "id": 7, "title": "t", "description": None, "status": status.value,
        "final_estimate": None, "position": 0, "voting_round": 1, "voting_ends_at": None,
        "room_id": uuid.uuid4(), "stats": None,
    }  # fmt: skip
    return Issue.from_row(row)


def shown(votes: list[Vote]) -> list[tuple[int, str | None]]:
    return [(vote.user_id, vote.value) for vote in votes]


def test_equal_votes_of_one_read_are_one_object_and_each_shows_what_it_should() -> None:
    bob: Any = SimpleNamespace(id=BOB)
    revealed, voting = issue(IssueStatus.REVEALED), issue(IssueStatus.VOTING)
    assert revealed.status is IssueStatus.REVEALED  # from the stored string
    cast = [{"user_id": ALICE, "value": "5"}, {"user_id": BOB, "value": "8"}]
    made: dict[tuple[int, str | None], Vote] = {}

    first = revealed.visible_votes(cast, bob, made)
    second = voting.visible_votes(cast, bob, made)
    third = voting.visible_votes([{"user_id": ALICE, "value": "3"}], bob, made)

    assert shown(first) == [(ALICE, "5"), (BOB, "8")]
    assert shown(second) == [(ALICE, None), (BOB, "8")]  # only Bob's own value before reveal
    assert shown(third) == [(ALICE, None)]
    assert third[0] is second[0] and second[1] is first[1]
    assert shown(voting.visible_votes(cast, None, made)) == [(ALICE, None), (BOB, None)]

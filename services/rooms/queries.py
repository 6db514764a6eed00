"""Batch reads for room DataLoaders: one query per batch, plain dict rows (no model objects)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from models.jira import JiraIssueLink
from models.rooms import Issue, RoomMember, Vote, VotingRound

Row = dict[str, Any]
ISSUE_FIELDS = (
    "id",
    "room_id",
    "position",
    "title",
    "description",
    "status",
    "final_estimate",
    "voting_round",
    "voting_ends_at",
    "stats",
)


async def issues_by_id(ids: Sequence[int]) -> list[Row | None]:
    rows = {row["id"]: row for row in await Issue.filter(id__in=ids).values(*ISSUE_FIELDS)}
    return [rows.get(issue_id) for issue_id in ids]


async def issues_by_room(room_ids: Sequence[uuid.UUID]) -> list[list[Row]]:
    grouped: dict[uuid.UUID, list[Row]] = defaultdict(list)
    rows = await Issue.filter(room_id__in=room_ids).order_by("position").values(*ISSUE_FIELDS)
    for row in rows:
        grouped[row["room_id"]].append(row)
    return [grouped.get(room_id, []) for room_id in room_ids]


async def votes_by_issue(issue_ids: Sequence[int]) -> list[list[Row]]:
    grouped: dict[int, list[Row]] = defaultdict(list)
    rows = (
        await Vote.filter(issue_id__in=issue_ids)
        .order_by("id")
        .values("issue_id", "user_id", "value")
    )
    for row in rows:
        grouped[row["issue_id"]].append(row)
    return [grouped.get(issue_id, []) for issue_id in issue_ids]


async def member_ids_by_room(room_ids: Sequence[uuid.UUID]) -> list[list[int]]:
    grouped: dict[uuid.UUID, list[int]] = defaultdict(list)
    rows = (
        await RoomMember.filter(room_id__in=room_ids)
        .order_by("joined_at", "id")
        .values_list("room_id", "user_id")
    )
    for room_id, user_id in rows:
        grouped[room_id].append(user_id)
    return [grouped.get(room_id, []) for room_id in room_ids]


JIRA_LINK_FIELDS = (
    "issue_id",
    "key",
    "url",
    "jira_issue_id",
    "last_synced_at",
    "push_status",
    "pushed_estimate",
    "push_error",
    "deleted_in_jira",
    "in_sprint",
    "parent_key",
)


async def jira_links_by_issue(issue_ids: Sequence[int]) -> list[Row | None]:
    rows = await JiraIssueLink.filter(issue_id__in=issue_ids).values(*JIRA_LINK_FIELDS)
    by_issue = {row["issue_id"]: row for row in rows}
    return [by_issue.get(issue_id) for issue_id in issue_ids]


async def memberships_by_room(room_ids: Sequence[uuid.UUID]) -> list[list[Row]]:
    grouped: dict[uuid.UUID, list[Row]] = defaultdict(list)
    rows = (
        await RoomMember.filter(room_id__in=room_ids)
        .order_by("joined_at", "id")
        .values("room_id", "user_id", "role", "joined_at")
    )
    for row in rows:
        grouped[row["room_id"]].append(row)
    return [grouped.get(room_id, []) for room_id in room_ids]


async def rounds_by_issue(issue_ids: Sequence[int]) -> list[list[Row]]:
    grouped: dict[int, list[Row]] = defaultdict(list)
    rows = (
        await VotingRound.filter(issue_id__in=issue_ids)
        .order_by("round")
        .values("issue_id", "round", "votes", "stats", "revealed_at")
    )
    for row in rows:
        grouped[row["issue_id"]].append(row)
    return [grouped.get(issue_id, []) for issue_id in issue_ids]

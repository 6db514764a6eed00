"""DataLoaders, one group per domain, created fresh per request (and per subscription event)."""

from __future__ import annotations

from functools import cached_property

from strawberry.dataloader import DataLoader

from core.presence import Presence
from models.jira import RoomJiraMapping
from models.users import User
from services.jira.filters import FilterCache
from services.rooms import queries as rooms_queries


async def _load_room_jira_mappings(room_ids: list[object]) -> list[RoomJiraMapping | None]:
    rows = {str(m.room_id): m for m in await RoomJiraMapping.filter(room_id__in=room_ids)}  # type: ignore[attr-defined]
    return [rows.get(str(room_id)) for room_id in room_ids]


async def _load_users(ids: list[int]) -> list[User | None]:
    rows = {user.id: user for user in await User.filter(id__in=ids)}
    return [rows.get(i) for i in ids]


async def _nobody_online(room_ids: list[str]) -> list[set[int]]:
    return [set() for _ in room_ids]


class Loaders:
    def __init__(self, presence: Presence | None = None) -> None:
        self.presence = presence

    @cached_property
    def user(self) -> DataLoader[int, User | None]:
        return DataLoader(load_fn=_load_users)

    # jira: a saved filter read once per request, by (cloud id, filter id)
    @cached_property
    def jira_filters(self) -> FilterCache:
        return {}

    # rooms: dict rows from services/rooms/queries.py
    @cached_property
    def issue(self) -> DataLoader[int, rooms_queries.Row | None]:
        return DataLoader(load_fn=rooms_queries.issues_by_id)

    @cached_property
    def room_issues(self) -> DataLoader[object, list[rooms_queries.Row]]:
        return DataLoader(load_fn=rooms_queries.issues_by_room)

    @cached_property
    def issue_votes(self) -> DataLoader[int, list[rooms_queries.Row]]:
        return DataLoader(load_fn=rooms_queries.votes_by_issue)

    @cached_property
    def room_member_ids(self) -> DataLoader[object, list[int]]:
        return DataLoader(load_fn=rooms_queries.member_ids_by_room)

    @cached_property
    def room_memberships(self) -> DataLoader[object, list[rooms_queries.Row]]:
        return DataLoader(load_fn=rooms_queries.memberships_by_room)

    @cached_property
    def room_online(self) -> DataLoader[str, set[int]]:
        """Members online per room (presence: any server process)."""
        online = self.presence.online if self.presence is not None else _nobody_online
        return DataLoader(load_fn=online)  # type: ignore[arg-type]

    @cached_property
    def issue_rounds(self) -> DataLoader[int, list[rooms_queries.Row]]:
        return DataLoader(load_fn=rooms_queries.rounds_by_issue)

    @cached_property
    def issue_jira_link(self) -> DataLoader[int, rooms_queries.Row | None]:
        return DataLoader(load_fn=rooms_queries.jira_links_by_issue)

    # jira mapping (room id -> the room's mapping)
    @cached_property
    def room_jira_mapping(self) -> DataLoader[object, RoomJiraMapping | None]:
        return DataLoader(load_fn=_load_room_jira_mappings)

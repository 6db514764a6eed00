"""Browsing Jira for the import dialog: projects, boards, sprints, issues, estimation field.

Listings are Relay-style pages over Jira's own pagination with opaque cursors
(services/jira/pages.py): one Jira request per page, each issue exactly once. Sprint and
backlog lists use Jira Software's token-paged lists (RFC-127, services/jira/issue_lists.py).
Every Jira failure surfaces as a ServiceError (services.jira.errors).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from core.errors import invalid
from core.text import checked_optional
from jira_cloud import errors as jira
from jira_cloud.client import JiraClient
from jira_cloud.fields import EstimationFieldChoice, choose_estimation_field, story_points_field_ids
from jira_cloud.types import JiraBoard, JiraIssue, JiraProject, JiraSprint
from models.users import User
from services.jira.clients import client_for
from services.jira.errors import service_error_for
from services.jira.filters import FilterCache, filter_issues
from services.jira.issue_lists import board_issue_page
from services.jira.pages import (
    BrowsePage,
    offset_after,
    offset_page,
    page_size,
    token_page,
    token_position,
)
from services.runtime import Runtime

T = TypeVar("T")
FIELDS_TTL_SECONDS = 600.0
MAX_PROJECT_QUERY = 200
MAX_JQL = 10_000
_PROJECT_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,254}$")
_UNBOUNDED = re.compile(r"^\s*(order\s+by\b.*)?$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class IssueSource:
    sprint_id: int | None = None
    backlog_board_id: int | None = None
    jql: str | None = None
    filter_id: int | None = None  # a saved filter: its JQL (services/jira/filters.py)


async def jira_call(call: Awaitable[T]) -> T:
    try:
        return await call
    except jira.JiraError as error:
        raise service_error_for(error) from None


@asynccontextmanager
async def jira_errors() -> AsyncIterator[None]:
    try:
        yield
    except jira.JiraError as error:
        raise service_error_for(error) from None


Client = JiraClient  # what a browse call receives


async def with_client(
    runtime: Runtime, user: User, cloud_id: str | None, call: Callable[[Client], Awaitable[T]]
) -> T:
    """`call` with a client for the user's connection on `cloud_id` (default: selected site)."""
    return await call(await client_for(runtime, user, cloud_id))


async def projects(
    client: JiraClient, query: str | None, first: int | None, after: str | None
) -> BrowsePage[JiraProject]:
    size, start_at = page_size(first), offset_after(after)
    query = checked_optional(query, "query", max_length=MAX_PROJECT_QUERY)
    query = (query or "").strip() or None
    page = await jira_call(client.list_projects(query, start_at, size))
    return offset_page(page, start_at)


async def boards(
    client: JiraClient, project_key: str, first: int | None, after: str | None
) -> BrowsePage[JiraBoard]:
    size, start_at = page_size(first), offset_after(after)
    page = await jira_call(client.list_boards(checked_project_key(project_key), start_at, size))
    return offset_page(page, start_at)


async def sprints(client: JiraClient, board_id: int, states: Iterable[str]) -> list[JiraSprint]:
    """The board's own sprints (kanban boards: none), in Jira's order."""
    return await jira_call(client.list_sprints(board_id, [s.lower() for s in states]))


def checked_project_key(project_key: str) -> str:
    if not _PROJECT_KEY.fullmatch(project_key.strip()):
        raise invalid("Not a Jira project key.", "projectKey")
    return project_key.strip().upper()


def checked_source(source: IssueSource) -> IssueSource:
    options = (source.sprint_id, source.backlog_board_id, source.jql, source.filter_id)
    if sum(v is not None for v in options) != 1:
        raise invalid("Give exactly one of sprintId, backlogBoardId, jql or filterId.", "source")
    checked_optional(source.jql, "source.jql", max_length=MAX_JQL, multiline=True)
    if source.jql is not None and _UNBOUNDED.match(source.jql):
        raise invalid(
            "The JQL must restrict the search (e.g. project = KEY); ordering alone is unbounded.",
            "source.jql",
        )
    return source


async def issues(
    runtime: Runtime,
    client: JiraClient,
    source: IssueSource,
    first: int | None,
    after: str | None,
    filter_cache: FilterCache | None = None,
) -> BrowsePage[JiraIssue]:
    source, size = checked_source(source), page_size(first)
    if source.jql is not None:
        return await _jql_issues(runtime, client, source.jql, size, after)
    sp_fields = await story_points_fields(runtime, client)
    if source.filter_id is not None:
        return await filter_issues(client, source.filter_id, size, after, sp_fields, filter_cache)
    return await jira_call(
        board_issue_page(
            runtime, client, source.sprint_id, source.backlog_board_id, size, after, sp_fields
        )
    )


async def _jql_issues(
    runtime: Runtime, client: JiraClient, jql: str, size: int, after: str | None
) -> BrowsePage[JiraIssue]:
    token, skip = token_position(after)
    sp_fields = await story_points_fields(runtime, client)
    try:
        page = await client.search_jql(jql, token, skip + size, story_points_fields=sp_fields)
    except jira.BadRequest as error:  # JQL syntax, unknown field, unbounded: the user's input
        raise invalid(f"Jira rejected the JQL: {error.message}", "source.jql") from None
    except jira.JiraError as error:
        raise service_error_for(error) from None
    return token_page(page, token, skip, size, after)


async def story_points_fields(runtime: Runtime, client: JiraClient) -> tuple[str, ...]:
    """The site's story-points field IDs (both names when both exist), cached per site."""
    cache = runtime.jira_story_points_fields
    cached = cache.get(client.cloud_id)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    field_ids = story_points_field_ids(await jira_call(client.get_fields()))
    cache[client.cloud_id] = (time.monotonic() + FIELDS_TTL_SECONDS, field_ids)
    return field_ids


async def estimation_field(
    client: JiraClient, project_key: str, board_id: int | None
) -> EstimationFieldChoice:
    """Board configuration first (when given and readable), then editmeta, then field names."""
    key = checked_project_key(project_key)
    async with jira_errors():
        board_config, project, fields, sample = await asyncio.gather(
            _readable(client.board_configuration(board_id)) if board_id else _none(),
            client.get_project(key),
            client.get_fields(),
            client.search_jql(f"project = {key} ORDER BY created DESC", None, 10, ["issuetype"]),
        )
        sample_key = _estimable_issue_key(sample.items)
        edit_meta = await client.editmeta(sample_key) if sample_key else None
    return choose_estimation_field(
        board_config=board_config,
        edit_meta=edit_meta,
        fields=fields,
        team_managed=project.team_managed,
    )


def _estimable_issue_key(recent: list[JiraIssue]) -> str | None:
    """A recent issue whose edit screen answers "can we write story points": a story when
    there is one (bugs and sub-tasks often lack the field on purpose)."""
    story = next((i for i in recent if (i.issue_type or "").lower() == "story"), None)
    chosen = story or (recent[0] if recent else None)
    return chosen.key if chosen else None


async def _readable(call: Awaitable[T]) -> T | None:
    """Board configuration needs board-admin rights and an admin scope: absent is normal."""
    try:
        return await call
    except (jira.Forbidden, jira.NotFound, jira.ScopeMismatch, jira.BadRequest):
        return None


async def _none() -> None:
    return None

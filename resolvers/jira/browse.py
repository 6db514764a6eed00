"""jiraProjects, jiraBoards, jiraSprints, jiraIssues, jiraEstimationField.

Queries have no payload, so every failure is a top-level GraphQL error whose
`extensions.code` is the ErrorCode name (NOT_CONNECTED, NEEDS_REAUTH, JIRA_NOT_FOUND,
JIRA_PERMISSION, JIRA_SCOPE_MISSING, JIRA_RATE_LIMITED (+ retryAfter), JIRA_UNAVAILABLE,
JIRA_REJECTED), except input mistakes (bad cursor, not exactly one source, unbounded or
invalid JQL), which are BAD_USER_INPUT with `extensions.field`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from strawberry.types import Info

from core.errors import ErrorCode, ServiceError
from resolvers.errors import TopLevelError
from resolvers.permissions import require_premium
from resolvers.selection import selects
from schema.context import Context
from schema.types.jira.browse import (
    Edge,
    JiraBoard,
    JiraBoardConnection,
    JiraEstimationField,
    JiraIssue,
    JiraIssueConnection,
    JiraIssueSourceInput,
    JiraProject,
    JiraProjectConnection,
    JiraSprint,
    JiraSprintState,
    PageInfo,
)
from schema.types.jira.estimates import JiraEstimateCandidate
from services.jira import browse as service
from services.jira import estimate_fields
from services.jira.errors import JiraServiceError

T = TypeVar("T")
DEFAULT_SPRINT_STATES = (JiraSprintState.ACTIVE, JiraSprintState.FUTURE)


class JiraQueryError(TopLevelError):
    """A ServiceError as a top-level error (queries have no `errors` payload)."""

    def __init__(self, error: ServiceError) -> None:
        self.code = "BAD_USER_INPUT" if error.code == ErrorCode.VALIDATION else error.code.value
        super().__init__(error.message)
        assert self.extensions is not None
        if error.field:
            self.extensions["field"] = error.field
        if isinstance(error, JiraServiceError) and error.retry_after is not None:
            self.extensions["retryAfter"] = error.retry_after


async def _browse(
    info: Info[Context, None],
    cloud_id: str | None,
    call: Callable[[service.Client], Awaitable[T]],
) -> T:
    user = await require_premium(info)
    try:
        return await service.with_client(info.context.runtime, user, cloud_id, call)
    except ServiceError as error:
        raise JiraQueryError(error) from None


def _page_info(page: service.BrowsePage[object]) -> PageInfo:
    return PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor)


@strawberry.type
class Query:
    @strawberry.field(description="Projects of the site (default: the selected one), by name.")
    async def jira_projects(
        self,
        info: Info[Context, None],
        cloud_id: str | None = None,
        query: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> JiraProjectConnection:
        page = await _browse(info, cloud_id, lambda c: service.projects(c, query, first, after))
        return JiraProjectConnection(
            edges=[Edge(cursor=c, node=JiraProject.from_jira(n)) for c, n in page.edges],
            page_info=_page_info(page),
            total_count=page.total_count,
        )

    @strawberry.field(description="Boards of a project.")
    async def jira_boards(
        self,
        info: Info[Context, None],
        project_key: str,
        cloud_id: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> JiraBoardConnection:
        page = await _browse(info, cloud_id, lambda c: service.boards(c, project_key, first, after))
        return JiraBoardConnection(
            edges=[Edge(cursor=c, node=JiraBoard.from_jira(n)) for c, n in page.edges],
            page_info=_page_info(page),
            total_count=page.total_count,
        )

    @strawberry.field(
        description="The board's own sprints (default ACTIVE and FUTURE); kanban boards: []."
    )
    async def jira_sprints(
        self,
        info: Info[Context, None],
        board_id: int,
        states: list[JiraSprintState] | None = DEFAULT_SPRINT_STATES,  # type: ignore[assignment]
        cloud_id: str | None = None,
    ) -> list[JiraSprint]:
        wanted = [state.value for state in (states or DEFAULT_SPRINT_STATES)]
        sprints = await _browse(info, cloud_id, lambda c: service.sprints(c, board_id, wanted))
        return [JiraSprint.from_jira(sprint) for sprint in sprints]

    @strawberry.field(
        description="Issues of a sprint, a board's backlog, a bounded JQL or a saved filter."
    )
    async def jira_issues(
        self,
        info: Info[Context, None],
        source: JiraIssueSourceInput,
        first: int | None = None,
        after: str | None = None,
    ) -> JiraIssueConnection:
        runtime = info.context.runtime
        wanted = service.IssueSource(
            source.sprint_id, source.backlog_board_id, source.jql, source.filter_id
        )
        cache = info.context.loaders.jira_filters  # a filter source reads its filter once
        page = await _browse(
            info,
            source.cloud_id,
            lambda c: service.issues(runtime, c, wanted, first, after, filter_cache=cache),
        )
        return JiraIssueConnection(
            edges=[Edge(cursor=c, node=JiraIssue.from_jira(n)) for c, n in page.edges],
            page_info=_page_info(page),
            total_count=page.total_count,
        )

    @strawberry.field(description="The story-points field of a project (and board), if any.")
    async def jira_estimation_field(
        self,
        info: Info[Context, None],
        project_key: str,
        board_id: int | None = None,
        cloud_id: str | None = None,
    ) -> JiraEstimationField:
        choice = await _browse(
            info, cloud_id, lambda c: service.estimation_field(c, project_key, board_id)
        )
        field = JiraEstimationField.from_choice(choice)
        if selects(info, "candidates"):  # 1 + one editmeta per issue type: only when asked
            found = await _browse(
                info, cloud_id, lambda c: estimate_fields.estimate_candidates(c, project_key)
            )
            field.candidates = [JiraEstimateCandidate.from_candidate(c) for c in found]
        return field

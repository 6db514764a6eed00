"""Jira Software (agile 1.0) calls: boards, sprints, sprint and backlog issues, estimation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from jira_cloud.errors import SprintsNotSupported, parsed_methods
from jira_cloud.pagination import collect_offset, parse_offset_page, parse_token_page
from jira_cloud.transport import JiraTransport
from jira_cloud.types import (
    BoardConfiguration,
    Estimation,
    JiraBoard,
    JiraIssue,
    JiraSprint,
    OffsetPage,
    TokenPage,
)

AGILE = "rest/agile/1.0"
SOFTWARE = "rest/software/1.0"  # RFC-127 (2026): token-paginated issue lists
# What an issue listing needs by default; callers add story-points field IDs. `parent`: a
# sub-task's parent (jira_cloud.filters.parent_of).
LISTING_FIELDS = ("summary", "status", "issuetype", "updated", "parent")
SPRINT_STATES = ("future", "active", "closed")


def listing_fields(fields: Sequence[str] | None, story_points_fields: Sequence[str]) -> str:
    wanted = [*(fields or LISTING_FIELDS), *story_points_fields]
    return ",".join(dict.fromkeys(wanted))


@parsed_methods
class AgileMixin(JiraTransport):
    site_url: str

    async def list_boards(
        self, project_key: str, start_at: int = 0, max_results: int = 50
    ) -> OffsetPage[JiraBoard]:
        params = {"projectKeyOrId": project_key, "startAt": start_at, "maxResults": max_results}
        body = await self.request_json("GET", f"{AGILE}/board", params=params)
        return parse_offset_page(body, "values", JiraBoard.from_json)

    async def list_sprints(
        self, board_id: int, states: Iterable[str] = ("active", "future")
    ) -> list[JiraSprint]:
        """The board's own sprints in the given states, every page.

        Kanban and simple boards have no sprints: Jira's 400 "does not support sprints" is
        answered with an empty list (the caller offers the backlog instead). Sprints of other
        boards that this board's filter happens to show are left out (originBoardId).
        """
        state = ",".join(s.lower() for s in states if s.lower() in SPRINT_STATES)

        async def fetch(start_at: int) -> OffsetPage[JiraSprint]:
            params: dict[str, Any] = {"startAt": start_at, "maxResults": 50}
            if state:
                params["state"] = state
            body = await self.request_json("GET", f"{AGILE}/board/{board_id}/sprint", params=params)
            return parse_offset_page(body, "values", JiraSprint.from_json)

        try:
            sprints = await collect_offset(fetch)
        except SprintsNotSupported:
            return []
        return [sprint for sprint in sprints if sprint.origin_board_id == board_id]

    async def get_sprint(self, sprint_id: int) -> JiraSprint:
        return JiraSprint.from_json(await self.request_json("GET", f"{AGILE}/sprint/{sprint_id}"))

    async def sprint_issues(
        self,
        sprint_id: int,
        start_at: int = 0,
        max_results: int = 50,
        fields: Sequence[str] | None = None,
        story_points_fields: Sequence[str] = (),
    ) -> OffsetPage[JiraIssue]:
        path = f"{AGILE}/sprint/{sprint_id}/issue"
        return await self._issue_page(path, start_at, max_results, fields, story_points_fields)

    async def backlog_issues(
        self,
        board_id: int,
        start_at: int = 0,
        max_results: int = 50,
        fields: Sequence[str] | None = None,
        story_points_fields: Sequence[str] = (),
    ) -> OffsetPage[JiraIssue]:
        path = f"{AGILE}/board/{board_id}/backlog"
        return await self._issue_page(path, start_at, max_results, fields, story_points_fields)

    async def _issue_page(
        self,
        path: str,
        start_at: int,
        max_results: int,
        fields: Sequence[str] | None,
        story_points_fields: Sequence[str],
    ) -> OffsetPage[JiraIssue]:
        params = {
            "startAt": start_at,
            "maxResults": max_results,
            "fields": listing_fields(fields, story_points_fields),
        }
        body = await self.request_json("GET", path, params=params)
        sp = tuple(story_points_fields)
        return parse_offset_page(
            body, "issues", lambda raw: JiraIssue.from_json(raw, self.site_url, sp)
        )

    async def software_sprint_issues(
        self,
        sprint_id: int,
        next_page_token: str | None = None,
        max_results: int = 50,
        fields: Sequence[str] | None = None,
        story_points_fields: Sequence[str] = (),
        reconcile_issues: Sequence[int] = (),
    ) -> TokenPage[JiraIssue]:
        """The token-paginated variant of sprint_issues (Jira Software REST 1.0, RFC-127).
        Eventually consistent: `reconcile_issues` (issue ids) are read after their writes."""
        path = f"{SOFTWARE}/sprint/{sprint_id}/issue"
        return await self._issue_token_page(
            path, next_page_token, max_results, fields, story_points_fields, reconcile_issues
        )

    async def software_backlog_issues(
        self,
        board_id: int,
        next_page_token: str | None = None,
        max_results: int = 50,
        fields: Sequence[str] | None = None,
        story_points_fields: Sequence[str] = (),
        reconcile_issues: Sequence[int] = (),
    ) -> TokenPage[JiraIssue]:
        path = f"{SOFTWARE}/board/{board_id}/backlog"
        return await self._issue_token_page(
            path, next_page_token, max_results, fields, story_points_fields, reconcile_issues
        )

    async def _issue_token_page(
        self,
        path: str,
        next_page_token: str | None,
        max_results: int,
        fields: Sequence[str] | None,
        story_points_fields: Sequence[str],
        reconcile_issues: Sequence[int] = (),
    ) -> TokenPage[JiraIssue]:
        params: dict[str, Any] = {
            "maxResults": max_results,
            "fields": listing_fields(fields, story_points_fields),
        }
        if next_page_token:
            params["nextPageToken"] = next_page_token
        if reconcile_issues:
            params["reconcileIssues"] = ",".join(str(i) for i in reconcile_issues)
        body = await self.request_json("GET", path, params=params)
        sp = tuple(story_points_fields)
        return parse_token_page(
            body, "issues", lambda raw: JiraIssue.from_json(raw, self.site_url, sp)
        )

    async def board_configuration(self, board_id: int) -> BoardConfiguration:
        body = await self.request_json("GET", f"{AGILE}/board/{board_id}/configuration")
        return BoardConfiguration.from_json(body)

    async def get_estimation(self, issue: str, board_id: int) -> Estimation:
        body = await self.request_json(
            "GET", f"{AGILE}/issue/{issue}/estimation", params={"boardId": board_id}
        )
        return Estimation.from_json(body or {})

    async def set_estimation(self, issue: str, board_id: int, value: float | str) -> Estimation:
        """Write the board's estimation field (no edit-screen check). Never retried blindly."""
        body = await self.request_json(
            "PUT",
            f"{AGILE}/issue/{issue}/estimation",
            params={"boardId": board_id},
            json={"value": value},
        )
        return Estimation.from_json(body or {})

"""A board's sprint and backlog issues, one Jira request per page.

Jira Software's token-paged lists (`/rest/software/1.0`, RFC-127; ../shared/JIRA_CLOUD.md
§2.4) first; a site that does not serve them (404 there, while `/rest/agile/1.0` answers) is
remembered for an hour and listed offset-paged instead. A cursor keeps its family: token
cursors continue token-paged, offset cursors offset-paged, whatever was learnt meanwhile.
The token-paged lists are eventually consistent; `reconcile` names issues (by id) to read
after their writes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from jira_cloud import errors as jira
from jira_cloud.client import JiraClient
from jira_cloud.types import JiraIssue, TokenPage
from services.jira.pages import (
    BrowsePage,
    decode_cursor_kind,
    offset_after,
    offset_page,
    token_page,
    token_position,
)
from services.runtime import Runtime

AGILE_ONLY_SECONDS = 3600.0


async def board_issue_page(
    runtime: Runtime,
    client: JiraClient,
    sprint_id: int | None,
    backlog_board_id: int | None,
    size: int,
    after: str | None,
    story_points_fields: Sequence[str],
    reconcile: Sequence[int] = (),
) -> BrowsePage[JiraIssue]:
    """One page of the sprint's issues (or, without a sprint, the board's backlog)."""
    kind = decode_cursor_kind(after)
    if kind == "o" or (kind is None and _agile_only(runtime, client.cloud_id)):
        return await _offset(client, sprint_id, backlog_board_id, size, after, story_points_fields)
    listing = f"sprint:{sprint_id}" if sprint_id is not None else f"backlog:{backlog_board_id}"
    token, skip = token_position(after, listing)
    try:
        page = await _token(
            client, sprint_id, backlog_board_id, token, skip + size, story_points_fields, reconcile
        )
    except jira.NotFound:
        if kind is not None:
            raise  # a token cursor's listing is gone (the sprint or board was deleted)
        listed = await _offset(client, sprint_id, backlog_board_id, size, None, story_points_fields)
        # Both families answer for a sprint that exists: the token-paged one is not served.
        runtime.jira_agile_lists_only[client.cloud_id] = time.monotonic() + AGILE_ONLY_SECONDS
        return listed
    return token_page(page, token, skip, size, after, listing)


def _agile_only(runtime: Runtime, cloud_id: str) -> bool:
    until = runtime.jira_agile_lists_only.get(cloud_id)
    return until is not None and until > time.monotonic()


async def _token(
    client: JiraClient,
    sprint_id: int | None,
    board_id: int | None,
    token: str | None,
    max_results: int,
    sp_fields: Sequence[str],
    reconcile: Sequence[int],
) -> TokenPage[JiraIssue]:
    if sprint_id is not None:
        return await client.software_sprint_issues(
            sprint_id, token, max_results, story_points_fields=sp_fields, reconcile_issues=reconcile
        )
    assert board_id is not None
    return await client.software_backlog_issues(
        board_id, token, max_results, story_points_fields=sp_fields, reconcile_issues=reconcile
    )


async def _offset(
    client: JiraClient,
    sprint_id: int | None,
    board_id: int | None,
    size: int,
    after: str | None,
    sp_fields: Sequence[str],
) -> BrowsePage[JiraIssue]:
    start_at = offset_after(after)
    if sprint_id is not None:
        page = await client.sprint_issues(sprint_id, start_at, size, story_points_fields=sp_fields)
    else:
        assert board_id is not None
        page = await client.backlog_issues(board_id, start_at, size, story_points_fields=sp_fields)
    return offset_page(page, start_at)

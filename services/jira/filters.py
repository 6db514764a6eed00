"""Saved filters: the `jiraFilters` listing, and a filter as an issue source (`filterId`).

The listing pages over Jira's offset paging (filter/search, one request per page, cursors as
for projects). A filter source reads the filter (GET filter/{id}) for its JQL, then pages that
JQL through search/jql exactly like a `jql` source; its cursors carry the filter id (`"l"`), so
a cursor of one filter is refused for another or for raw JQL. The filter is read once per
GraphQL request (`FilterCache`, held by the request's loaders): following `endCursor` across
requests costs one filter read plus one search per page.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import ErrorCode, ServiceError, invalid
from core.text import checked_optional
from jira_cloud import errors as jira
from jira_cloud.client import JiraClient
from jira_cloud.filters import FilterUnavailable, JiraFilter
from jira_cloud.types import JiraIssue
from services.jira.errors import service_error_for
from services.jira.pages import (
    BrowsePage,
    offset_after,
    offset_page,
    page_size,
    token_page,
    token_position,
)

MAX_FILTER_QUERY = 255  # Jira's longest filter name
MAX_FILTER_ID = 2**31 - 1  # GraphQL Int
SOURCE_FIELD = "source.filterId"
FilterCache = dict[tuple[str, int], JiraFilter]  # (cloud id, filter id) -> filter


async def filters(
    client: JiraClient, query: str | None, first: int | None, after: str | None
) -> BrowsePage[JiraFilter]:
    """The saved filters the user can see on the site, by name (contains), ordered by name."""
    size, start_at = page_size(first), offset_after(after)
    query = checked_optional(query, "query", max_length=MAX_FILTER_QUERY)
    try:
        page = await client.search_filters((query or "").strip() or None, start_at, size)
    except jira.JiraError as error:
        raise service_error_for(error) from None
    return offset_page(page, start_at)


def checked_filter_id(filter_id: int) -> int:
    if not 1 <= filter_id <= MAX_FILTER_ID:
        raise invalid("Not a Jira filter id.", SOURCE_FIELD)
    return filter_id


async def saved_filter(
    client: JiraClient, filter_id: int, cache: FilterCache | None = None
) -> JiraFilter:
    """The filter (from `cache` when this request read it already), or JIRA_NOT_FOUND."""
    key = (client.cloud_id, checked_filter_id(filter_id))
    if cache is not None and key in cache:
        return cache[key]
    try:
        found = await client.get_filter(filter_id)
    except FilterUnavailable:
        raise ServiceError(
            ErrorCode.JIRA_NOT_FOUND,
            f"Saved filter {filter_id} does not exist, or it is not shared with you.",
            SOURCE_FIELD,
        ) from None
    except jira.JiraError as error:
        raise service_error_for(error) from None
    if cache is not None:
        cache[key] = found
    return found


async def filter_issues(
    client: JiraClient,
    filter_id: int,
    size: int,
    after: str | None,
    story_points_fields: Sequence[str],
    cache: FilterCache | None = None,
) -> BrowsePage[JiraIssue]:
    """One page of the filter's issues, in the filter's own order."""
    listing = f"filter:{checked_filter_id(filter_id)}"
    token, skip = token_position(after, listing)  # a bad cursor fails before any Jira call
    found = await saved_filter(client, filter_id, cache)
    try:
        page = await client.search_jql(
            found.jql, token, skip + size, story_points_fields=story_points_fields
        )
    except jira.BadRequest as error:  # e.g. a filter whose JQL is unbounded, or now invalid
        raise ServiceError(
            ErrorCode.JIRA_REJECTED,
            f"Jira rejected the JQL of filter {found.name!r}: {error.message}",
            SOURCE_FIELD,
        ) from None
    except jira.JiraError as error:
        raise service_error_for(error) from None
    return token_page(page, token, skip, size, after, listing)

"""jiraFilters: the saved filters of a site (errors as for the other browse queries)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.jira.browse import _browse, _page_info
from schema.context import Context
from schema.types.jira.browse import Edge
from schema.types.jira.filters import JiraFilter, JiraFilterConnection
from services.jira import filters as service


@strawberry.type
class Query:
    @strawberry.field(
        description="Saved filters you can see on the site (default: the selected one), by "
        "name (contains, case-insensitive), ordered by name. Use one as "
        "`jiraIssues(source: {filterId})`."
    )
    async def jira_filters(
        self,
        info: Info[Context, None],
        query: str | None = None,
        cloud_id: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> JiraFilterConnection:
        page = await _browse(info, cloud_id, lambda c: service.filters(c, query, first, after))
        return JiraFilterConnection(
            edges=[Edge(cursor=c, node=JiraFilter.from_jira(n)) for c, n in page.edges],
            page_info=_page_info(page),
            total_count=page.total_count,
        )

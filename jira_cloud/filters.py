"""Saved filters (GET /rest/api/3/filter/search, GET /rest/api/3/filter/{id}) and the parent a
sub-task names (`fields.parent`).

Jira spells filter ids as strings ("10100"); they are whole numbers, parsed to int here. A
filter that does not exist or is not shared with the caller answers 400 ("The selected filter
is not available to you, …") rather than 404: `get_filter` raises FilterUnavailable for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jira_cloud.errors import BadRequest, NotFound, parsed_methods
from jira_cloud.pagination import parse_offset_page
from jira_cloud.transport import JiraTransport
from jira_cloud.types import JiraIssue, Json, OffsetPage

FILTERS = "rest/api/3/filter"
FILTER_EXPAND = "jql,owner"


class FilterUnavailable(NotFound):
    """The filter does not exist, or the caller may not see it (Jira says 400 or 404)."""


@dataclass(frozen=True)
class JiraFilter:
    id: int
    name: str
    jql: str
    owner_account_id: str | None
    owner: str | None  # the owner's display name

    @classmethod
    def from_json(cls, raw: Json) -> JiraFilter:
        owner = raw.get("owner") if isinstance(raw.get("owner"), dict) else {}
        return cls(
            id=int(str(raw["id"])),
            name=str(raw.get("name") or ""),
            jql=str(raw.get("jql") or ""),
            owner_account_id=owner.get("accountId"),
            owner=owner.get("displayName"),
        )


@dataclass(frozen=True)
class JiraIssueRef:
    """Another issue as an issue's field shows it (a sub-task's `parent`): id, key, summary."""

    id: str
    key: str
    summary: str | None


def parent_of(issue: JiraIssue) -> JiraIssueRef | None:
    """The sub-task's parent from `fields.parent` (None for issues without one, or when the
    listing did not ask for the `parent` field)."""
    return issue_ref(issue.fields.get("parent"))


def issue_ref(raw: Any) -> JiraIssueRef | None:
    if not isinstance(raw, dict) or not raw.get("key"):
        return None
    fields = raw.get("fields") if isinstance(raw.get("fields"), dict) else {}
    summary = fields.get("summary")
    return JiraIssueRef(
        id=str(raw.get("id") or ""),
        key=str(raw["key"]),
        summary=summary if isinstance(summary, str) else None,
    )


@parsed_methods
class FiltersMixin(JiraTransport):
    async def search_filters(
        self, name: str | None = None, start_at: int = 0, max_results: int = 50
    ) -> OffsetPage[JiraFilter]:
        """One page of the filters the caller can see, by name (contains, case-insensitive),
        with their JQL and owner."""
        params: dict[str, Any] = {
            "startAt": start_at,
            "maxResults": max_results,
            "expand": FILTER_EXPAND,
            "orderBy": "name",
        }
        if name:
            params["filterName"] = name
        body = await self.request_json("GET", f"{FILTERS}/search", params=params)
        return parse_offset_page(body, "values", JiraFilter.from_json)

    async def get_filter(self, filter_id: int) -> JiraFilter:
        try:
            body = await self.request_json("GET", f"{FILTERS}/{int(filter_id)}")
        except (BadRequest, NotFound) as error:
            raise FilterUnavailable(error.message, error.status) from None
        return JiraFilter.from_json(body)

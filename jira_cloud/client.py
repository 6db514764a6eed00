"""JiraClient: typed calls to one Jira Cloud site through `{api_base_url}/ex/jira/{cloudId}`.

One shared httpx.AsyncClient (runtime.jira_http, with timeouts) serves every JiraClient; a
client is cheap and made per use. Retry and error rules live in jira_cloud/transport.py,
agile (board/sprint/backlog/estimation) calls in jira_cloud/agile.py, saved filters in
jira_cloud/filters.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from jira_cloud.agile import LISTING_FIELDS, AgileMixin, listing_fields
from jira_cloud.budget import RequestBudget
from jira_cloud.errors import InvalidArgument, NotFound, parsed_methods
from jira_cloud.filters import FiltersMixin
from jira_cloud.observer import RequestObserver
from jira_cloud.pagination import parse_offset_page, parse_token_page
from jira_cloud.transport import TokenSource
from jira_cloud.types import (
    BulkFetchResult,
    EditMeta,
    JiraComment,
    JiraField,
    JiraIssue,
    JiraProject,
    JiraUser,
    Json,
    OffsetPage,
    TokenPage,
)

__all__ = ["LISTING_FIELDS", "JiraClient", "TokenSource"]

API = "rest/api/3"
BULKFETCH_LIMIT = 100
RECONCILE_LIMIT = 50  # search/jql reads at most 50 issues after their writes
DETAIL_FIELDS = (*LISTING_FIELDS, "description")


@parsed_methods
class JiraClient(FiltersMixin, AgileMixin):
    def __init__(
        self,
        http: httpx.AsyncClient,
        api_base_url: str,
        cloud_id: str,
        tokens: TokenSource,
        *,
        site_url: str,
        max_retries: int = 3,
        max_retry_after: float = 10.0,
        backoff_base: float = 0.25,
        budget: RequestBudget | None = None,
        observer: RequestObserver | None = None,
    ) -> None:
        super().__init__(
            http,
            api_base_url,
            cloud_id,
            tokens,
            max_retries=max_retries,
            max_retry_after=max_retry_after,
            backoff_base=backoff_base,
            budget=budget,
            observer=observer,
        )
        self.site_url = site_url.rstrip("/")

    def _issue(self, raw: Json, story_points_fields: Sequence[str] = ()) -> JiraIssue:
        return JiraIssue.from_json(raw, self.site_url, tuple(story_points_fields))

    async def myself(self) -> JiraUser:
        return JiraUser.from_json(await self.request_json("GET", f"{API}/myself"))

    async def list_projects(
        self, query: str | None = None, start_at: int = 0, max_results: int = 50
    ) -> OffsetPage[JiraProject]:
        params: dict[str, Any] = {"startAt": start_at, "maxResults": max_results}
        if query:
            params["query"] = query
        try:
            body = await self.request_json("GET", f"{API}/project/search", params=params)
        except NotFound:  # Jira's answer when no project matches the search
            return OffsetPage([], start_at, max_results, 0, True)
        return parse_offset_page(body, "values", JiraProject.from_json)

    async def get_project(self, key: str) -> JiraProject:
        """One project by key, through project/search (`keys`), which every grant can read."""
        params = {"keys": key, "maxResults": 1}
        body = await self.request_json("GET", f"{API}/project/search", params=params)
        for raw in body.get("values") or []:
            if str(raw.get("key", "")).upper() == key.upper():
                return JiraProject.from_json(raw)
        raise NotFound(f"No project with key {key}.", 404)

    async def get_fields(self) -> list[JiraField]:
        body = await self.request_json("GET", f"{API}/field")
        return [JiraField.from_json(raw) for raw in body or []]

    async def get_issue(
        self,
        key: str,
        fields: Sequence[str] | None = None,
        story_points_fields: Sequence[str] = (),
    ) -> JiraIssue:
        params = {"fields": listing_fields(fields or DETAIL_FIELDS, story_points_fields)}
        body = await self.request_json("GET", f"{API}/issue/{key}", params=params)
        return self._issue(body, story_points_fields)

    async def editmeta(self, key: str) -> EditMeta:
        return EditMeta.from_json(await self.request_json("GET", f"{API}/issue/{key}/editmeta"))

    async def search_jql(
        self,
        jql: str,
        next_page_token: str | None = None,
        max_results: int = 50,
        fields: Sequence[str] | None = None,
        story_points_fields: Sequence[str] = (),
        reconcile_issues: Sequence[int] = (),
    ) -> TokenPage[JiraIssue]:
        """One page of the enhanced search (bounded JQL; eventually consistent except for the
        `reconcile_issues` ids, which are read after their latest writes)."""
        payload: dict[str, Any] = {
            "jql": jql,
            "maxResults": max_results,
            "fields": listing_fields(fields, story_points_fields).split(","),
        }
        if next_page_token:
            payload["nextPageToken"] = next_page_token
        if reconcile_issues:
            payload["reconcileIssues"] = list(reconcile_issues)[:RECONCILE_LIMIT]
        # A read despite the POST: safe to retry.
        body = await self.request_json("POST", f"{API}/search/jql", json=payload, idempotent=True)
        return parse_token_page(body, "issues", lambda raw: self._issue(raw, story_points_fields))

    async def bulkfetch(
        self,
        issue_ids_or_keys: Sequence[str],
        fields: Sequence[str] | None = None,
        story_points_fields: Sequence[str] = (),
    ) -> BulkFetchResult:
        """Up to 100 issues in one call; missing or hidden ones are silently left out."""
        if len(issue_ids_or_keys) > BULKFETCH_LIMIT:
            raise InvalidArgument(f"bulkfetch takes at most {BULKFETCH_LIMIT} issues")
        if not issue_ids_or_keys:
            return BulkFetchResult([], [])
        payload = {
            "issueIdsOrKeys": list(issue_ids_or_keys),
            "fields": listing_fields(fields or DETAIL_FIELDS, story_points_fields).split(","),
        }
        body = await self.request_json(
            "POST", f"{API}/issue/bulkfetch", json=payload, idempotent=True
        )
        issues = [self._issue(raw, story_points_fields) for raw in body.get("issues") or []]
        return BulkFetchResult(issues, list(body.get("issueErrors") or []))

    async def edit_issue(self, key: str, fields: dict[str, Any], notify_users: bool = True) -> None:
        """PUT the fields (204). Not retried on 5xx: the caller decides (jobs are idempotent)."""
        params = None if notify_users else {"notifyUsers": "false"}
        await self.request_json("PUT", f"{API}/issue/{key}", params=params, json={"fields": fields})

    async def add_comment(self, key: str, body_adf: Json) -> JiraComment:
        body = await self.request_json(
            "POST", f"{API}/issue/{key}/comment", json={"body": body_adf}
        )
        return JiraComment.from_json(body)

    async def recent_comments(self, key: str, max_results: int = 50) -> list[JiraComment]:
        """The issue's newest comments first."""
        params = {"orderBy": "-created", "maxResults": max_results}
        body = await self.request_json("GET", f"{API}/issue/{key}/comment", params=params)
        return [JiraComment.from_json(raw) for raw in body.get("comments") or []]

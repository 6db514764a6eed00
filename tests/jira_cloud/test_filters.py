"""Saved filters and sub-task parents through JiraClient, against the sandbox (in process)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from jira_cloud.client import JiraClient
from jira_cloud.filters import FilterUnavailable, JiraFilter, parent_of
from tests.jira_cloud.test_client import ACME, ACME_URL, SCOPES, grant
from tests.jira_support import Sandbox
from wiring import make_jira_http


@pytest.fixture(scope="module")
async def http(jira_sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    client = make_jira_http(jira_sandbox.transport)
    yield client
    await client.aclose()


@pytest.fixture
async def client(jira_sandbox: Sandbox, http: httpx.AsyncClient) -> JiraClient:
    tokens = await grant(jira_sandbox, http, SCOPES)
    return JiraClient(http, f"{jira_sandbox.url}/api", ACME, tokens, site_url=ACME_URL)


async def test_filter_pages_by_name_with_jql_and_owner(client: JiraClient) -> None:
    first = await client.search_filters(None, 0, 3)
    assert [f.name for f in first.items] == ["APP backlog", "My open issues", "PLAT active sprint"]
    assert (first.total, first.is_last, first.next_start_at) == (4, False, 3)
    rest = await client.search_filters(None, 3, 3)
    [bugs] = rest.items
    assert rest.is_last and isinstance(bugs.id, int) and bugs.id >= 10100
    assert bugs.jql == "project = PLAT AND issuetype = Bug AND statusCategory != done"
    assert bugs.owner and bugs.owner_account_id
    named = await client.search_filters("plat", 0, 50)
    assert [f.name for f in named.items] == ["PLAT active sprint", "PLAT open bugs"]


async def test_one_filter_and_an_unknown_one(client: JiraClient) -> None:
    listed = (await client.search_filters("PLAT open bugs", 0, 1)).items[0]
    one = await client.get_filter(listed.id)
    assert one == JiraFilter(listed.id, listed.name, listed.jql, listed.owner_account_id,
                             listed.owner)  # fmt: skip
    with pytest.raises(FilterUnavailable) as missing:
        await client.get_filter(99)
    assert "not available" in missing.value.message


async def test_listings_carry_a_sub_tasks_parent(client: JiraClient) -> None:
    page = await client.search_jql("parent = PLAT-7 OR key = PLAT-7 ORDER BY key", None, 10)
    parents = {issue.key: parent_of(issue) for issue in page.items}
    assert parents["PLAT-7"] is None
    child = parents["PLAT-26"]
    assert child is not None and (child.key, child.id) == ("PLAT-7", "10006")
    assert child.summary == "Harden webhook flow"
    sprint = await client.sprint_issues(2, 0, 50)
    assert {i.key for i in sprint.items if parent_of(i)} == {"PLAT-26", "PLAT-27", "PLAT-28"}

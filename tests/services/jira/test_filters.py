"""Saved filters over a real connection to the sandbox: the listing, and a filter as a source."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import ErrorCode, ServiceError
from jira_cloud.client import JiraClient
from jira_cloud.filters import parent_of
from jira_cloud.pagination import collect_token
from models.users import User
from services.jira import browse, filters
from services.jira.browse import IssueSource
from services.jira.clients import client_for
from services.runtime import Runtime
from tests.jira_support import Sandbox, connect_user, make_user, new_account

pytestmark = pytest.mark.usefixtures("database_url")
ACME = "8f3c2a10-5d1e-4c7b-9a42-3e1f0b6d7c01"
FILTER_PATH = "/rest/api/3/filter/"


@pytest.fixture(scope="module")
async def connected(runtime: Runtime, jira_sandbox: Sandbox) -> User:
    user = await make_user()
    await connect_user(
        runtime, user, await new_account(jira_sandbox, [ACME]), site=ACME, sandbox=jira_sandbox
    )
    return user


@pytest.fixture
async def client(runtime: Runtime, connected: User) -> JiraClient:
    return await client_for(runtime, connected)


async def filter_id(client: JiraClient, name: str) -> int:
    return next(f.id for f in (await client.search_filters(name)).items if f.name == name)


async def requests_to(sandbox: Sandbox, path: str) -> list[dict[str, Any]]:
    return list((await sandbox.admin("GET", "/requests", params={"path": path}))["requests"])


async def test_filters_page_by_name_one_request_each(
    client: JiraClient, jira_sandbox: Sandbox
) -> None:
    await jira_sandbox.admin("DELETE", "/requests")
    first = await filters.filters(client, None, 3, None)
    assert [f.name for _, f in first.edges] == [
        "APP backlog",
        "My open issues",
        "PLAT active sprint",
    ]
    assert first.has_next_page and first.total_count == 4
    second = await filters.filters(client, None, 3, first.end_cursor)
    assert [f.name for _, f in second.edges] == ["PLAT open bugs"]
    assert not second.has_next_page
    assert len(await requests_to(jira_sandbox, f"{FILTER_PATH}search")) == 2
    named = await filters.filters(client, "  open ", 50, None)
    assert [f.name for _, f in named.edges] == ["My open issues", "PLAT open bugs"]
    bugs = named.edges[1][1]
    assert bugs.owner and bugs.jql.startswith("project = PLAT AND issuetype = Bug")


async def test_a_filter_source_pages_the_filters_jql(
    runtime: Runtime, client: JiraClient, jira_sandbox: Sandbox
) -> None:
    sprint_filter = await filter_id(client, "PLAT active sprint")
    jql = "project = PLAT AND sprint in openSprints() ORDER BY rank"
    expected = [i.key for i in await collect_token(lambda t: client.search_jql(jql, t, 100))]
    assert "PLAT-26" in expected and len(expected) > 5  # sub-tasks are in the filter too
    source, cache = IssueSource(filter_id=sprint_filter), {}
    await jira_sandbox.admin("DELETE", "/requests")
    keys, after, pages = [], None, 0
    while True:
        page = await browse.issues(runtime, client, source, 40, after, filter_cache=cache)
        keys += [issue.key for _, issue in page.edges]
        pages += 1
        if not page.has_next_page:
            break
        after = page.end_cursor
    assert keys == expected and pages == -(-len(expected) // 40)
    # One filter read for the whole walk (one cache), one search per page.
    assert len(await requests_to(jira_sandbox, f"{FILTER_PATH}{sprint_filter}")) == 1
    assert len(await requests_to(jira_sandbox, "/rest/api/3/search/jql")) == pages
    # Without a cache (a new request per page) the filter is read once per page.
    await jira_sandbox.admin("DELETE", "/requests")
    page = await browse.issues(runtime, client, source, 4, None)
    await browse.issues(runtime, client, source, 4, page.end_cursor)
    assert len(await requests_to(jira_sandbox, f"{FILTER_PATH}{sprint_filter}")) == 2


async def test_an_unknown_filter_is_a_typed_error(runtime: Runtime, client: JiraClient) -> None:
    with pytest.raises(ServiceError) as raised:
        await browse.issues(runtime, client, IssueSource(filter_id=99), 10, None)
    assert raised.value.code == ErrorCode.JIRA_NOT_FOUND
    assert raised.value.field == "source.filterId" and "99" in raised.value.message
    with pytest.raises(ServiceError) as negative:
        await browse.issues(runtime, client, IssueSource(filter_id=0), 10, None)
    assert negative.value.code == ErrorCode.VALIDATION


async def test_exactly_one_source_and_cursors_stay_with_their_filter(
    runtime: Runtime, client: JiraClient
) -> None:
    bugs = await filter_id(client, "PLAT open bugs")
    for mixed in (
        IssueSource(filter_id=bugs, jql="project = PLAT"),
        IssueSource(filter_id=bugs, sprint_id=2),
        IssueSource(),
    ):
        with pytest.raises(ServiceError) as raised:
            await browse.issues(runtime, client, mixed, 10, None)
        assert raised.value.code == ErrorCode.VALIDATION and raised.value.field == "source"
        assert "filterId" in raised.value.message
    sprint_filter = await filter_id(client, "PLAT active sprint")
    page = await browse.issues(runtime, client, IssueSource(filter_id=sprint_filter), 2, None)
    assert page.has_next_page
    for other in (IssueSource(filter_id=bugs), IssueSource(jql="project = PLAT")):
        with pytest.raises(ServiceError) as foreign:
            await browse.issues(runtime, client, other, 2, page.end_cursor)
        assert foreign.value.code == ErrorCode.VALIDATION and foreign.value.field == "after"


async def test_a_sub_task_is_listed_with_its_parent(runtime: Runtime, client: JiraClient) -> None:
    page = await browse.issues(runtime, client, IssueSource(sprint_id=2), 50, None)
    parents = {issue.key: parent_of(issue) for _, issue in page.edges}
    assert parents["PLAT-7"] is None
    ref = parents["PLAT-27"]
    assert ref is not None and ref.key == "PLAT-7" and ref.summary == "Harden webhook flow"

"""Sprint and backlog lists: token-paged (RFC-127) first, offset-paged where a site lacks them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.errors import ServiceError
from jira_cloud.client import JiraClient
from services.jira import browse
from services.jira.browse import IssueSource
from services.jira.issue_lists import board_issue_page
from services.runtime import Runtime
from tests.jira_support import Sandbox
from tests.services.jira.test_browse import ACME, client, connected  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("database_url")


@pytest.fixture(scope="module")
async def sprint(jira_sandbox: Sandbox) -> int:
    """A PLAT sprint of nine issues."""
    made = await jira_sandbox.admin("POST", f"/sites/{ACME}/sprints", json={"boardId": 1})
    body = {"projectKey": "PLAT", "count": 9, "sprintId": made["id"]}
    await jira_sandbox.admin("POST", f"/sites/{ACME}/issues/bulk", json=body)
    return int(made["id"])


@pytest.fixture
async def switches(jira_sandbox: Sandbox, runtime: Runtime) -> AsyncIterator[Any]:
    async def switch(**families: bool) -> None:
        await jira_sandbox.admin("POST", f"/sites/{ACME}/switches", json=families)

    yield switch
    await switch(agileIssueLists=True, softwareIssueLists=True)
    runtime.jira_agile_lists_only.clear()


async def requests_since(sandbox: Sandbox, seq: int) -> list[str]:
    log = await sandbox.admin("GET", "/requests", params={"since": seq})
    return [r["path"].split("/rest/", 1)[1] for r in log["requests"] if "/rest/" in r["path"]]


async def last_seq(sandbox: Sandbox) -> int:
    return int((await sandbox.admin("GET", "/requests", params={"path": "-"}))["lastSeq"])


async def walk(
    runtime: Runtime, jira: JiraClient, source: IssueSource, first: int
) -> list[list[str]]:
    pages, after = [], None
    while True:
        page = await browse.issues(runtime, jira, source, first, after)
        pages.append([issue.key for _, issue in page.edges])
        if not page.has_next_page:
            return pages
        after = page.end_cursor


async def test_token_paged_lists_by_default(
    runtime: Runtime,
    client: JiraClient,  # noqa: F811
    jira_sandbox: Sandbox,
    switches: Any,
    sprint: int,
) -> None:
    await switches(agileIssueLists=False)  # proves nothing reaches /rest/agile/1.0
    await browse.story_points_fields(runtime, client)
    seq = await last_seq(jira_sandbox)
    pages = await walk(runtime, client, IssueSource(sprint_id=sprint), 4)
    assert [len(p) for p in pages] == [4, 4, 1]
    assert await requests_since(jira_sandbox, seq) == [f"software/1.0/sprint/{sprint}/issue"] * 3
    backlog = await browse.issues(runtime, client, IssueSource(backlog_board_id=1), 3, None)
    assert len(backlog.edges) == 3 and backlog.total_count is None


async def test_a_site_without_them_is_listed_offset_paged_and_remembered(
    runtime: Runtime,
    client: JiraClient,  # noqa: F811
    jira_sandbox: Sandbox,
    switches: Any,
    sprint: int,
) -> None:
    await browse.story_points_fields(runtime, client)
    token_pages = await walk(runtime, client, IssueSource(sprint_id=sprint), 4)
    await switches(softwareIssueLists=False)
    seq = await last_seq(jira_sandbox)
    offset_pages = await walk(runtime, client, IssueSource(sprint_id=sprint), 4)
    assert offset_pages == token_pages  # same issues, same order, each once
    path = f"sprint/{sprint}/issue"
    assert await requests_since(jira_sandbox, seq) == [
        f"software/1.0/{path}",  # 404: not served here
        f"agile/1.0/{path}",
        f"agile/1.0/{path}",  # then one request per page, remembered for the site
        f"agile/1.0/{path}",
    ]
    assert ACME in runtime.jira_agile_lists_only
    first = await browse.issues(runtime, client, IssueSource(sprint_id=sprint), 50, None)
    assert first.total_count == 9


async def test_a_token_cursor_stays_token_paged_and_a_missing_sprint_is_not_a_fallback(
    runtime: Runtime,
    client: JiraClient,  # noqa: F811
    switches: Any,
    sprint: int,
) -> None:
    source = IssueSource(sprint_id=sprint)
    page = await browse.issues(runtime, client, source, 4, None)
    other = await browse.issues(runtime, client, IssueSource(sprint_id=2), 4, None)
    with pytest.raises(ServiceError) as wrong:  # a cursor from another sprint's listing
        await browse.issues(runtime, client, source, 4, other.end_cursor)
    assert wrong.value.field == "after"
    await switches(softwareIssueLists=False)
    with pytest.raises(ServiceError):  # its listing is gone; never silently another family
        await browse.issues(runtime, client, source, 4, page.end_cursor)
    await switches(softwareIssueLists=True)
    runtime.jira_agile_lists_only.clear()
    with pytest.raises(ServiceError):
        await browse.issues(runtime, client, IssueSource(sprint_id=999_999), 4, None)
    assert ACME not in runtime.jira_agile_lists_only


async def test_reconcile_reads_an_issue_after_its_write(
    runtime: Runtime,
    client: JiraClient,  # noqa: F811
    jira_sandbox: Sandbox,
    sprint: int,
) -> None:
    await jira_sandbox.admin("POST", "/search-lag", json={"seconds": 60})
    try:
        body = {"projectKey": "PLAT", "summary": "Fresh in the sprint", "sprintId": sprint}
        created = await jira_sandbox.admin("POST", f"/sites/{ACME}/issues", json=body)
        fresh = int(created["id"])
        lagging = await board_issue_page(runtime, client, sprint, None, 50, None, ())
        assert created["key"] not in {issue.key for _, issue in lagging.edges}
        read = await board_issue_page(runtime, client, sprint, None, 50, None, (), [fresh])
        assert created["key"] in {issue.key for _, issue in read.edges}
    finally:
        await jira_sandbox.admin("POST", "/search-lag", json={"seconds": 0})
